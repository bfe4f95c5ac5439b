# Port 993 style: TLS from the first byte. STARTTLS there is BAD
# (RFC 9051 6.2.1), and plaintext rules do not apply.
% config plaintext_auth=never; maildir=~/Maildir-implicit-tls; special_folders=
% connect tls
S: * OK [CAPABILITY ${CAPS_BASE} AUTH=PLAIN AUTH=LOGIN] skua ready.
C: t1 STARTTLS
S: t1 BAD TLS is already active
C: t2 AUTHENTICATE PLAIN AGFsaWNlAGFsaWNlLXNlY3JldA==
S: t2 OK [CAPABILITY ${CAPS_AUTHED}] Logged in
C: t3 CAPABILITY
S: * CAPABILITY ${CAPS_AUTHED}
S: t3 OK Capability completed.
C: t4 LOGIN alice alice-secret
S: t4 BAD LOGIN is only allowed before login
C: t5 SELECT INBOX
S: * FLAGS (\Answered \Flagged \Deleted \Seen \Draft)
S: * OK [PERMANENTFLAGS (\Answered \Flagged \Deleted \Seen \Draft \*)] Flags permitted.
S: * 0 EXISTS
S: * 0 RECENT
S~ \* OK \[UIDVALIDITY \d+\] UIDs valid
S: * OK [UIDNEXT 1] Predicted next UID
S~ \* OK \[MAILBOXID \([0-9a-f]{32}\)\] Ok
S: * OK [URLMECH INTERNAL] URLAUTH mechanisms
S: t5 OK [READ-WRITE] Select completed.
# IDLE over TLS: DONE arrives in a TLS record the wait must notice.
C: t5b IDLE
S: + idling
C: DONE
S: t5b OK Idle completed.
C: t6 LOGOUT
S: * BYE Logging out
S: t6 OK Logout completed.
% closed
