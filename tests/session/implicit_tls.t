# Port 993 style: TLS from the first byte. STARTTLS there is BAD
# (RFC 9051 6.2.1), and plaintext rules do not apply.
% config plaintext_auth=never
% connect tls
S: * OK [CAPABILITY IMAP4rev1 SASL-IR LITERAL+ ID AUTH=PLAIN AUTH=LOGIN] skua ready.
C: t1 STARTTLS
S: t1 BAD TLS is already active
C: t2 AUTHENTICATE PLAIN AGFsaWNlAGFsaWNlLXNlY3JldA==
S: t2 OK [CAPABILITY IMAP4rev1 SASL-IR LITERAL+ ID] Logged in
C: t3 CAPABILITY
S: * CAPABILITY IMAP4rev1 SASL-IR LITERAL+ ID
S: t3 OK Capability completed.
C: t4 LOGIN alice alice-secret
S: t4 BAD LOGIN is only allowed before login
C: t5 SELECT INBOX
S: t5 NO [UNAVAILABLE] SELECT: mailbox access is not part of this build of skua yet
C: t6 LOGOUT
S: * BYE Logging out
S: t6 OK Logout completed.
% closed
