# Plain port with plaintext authentication off: the client must see
# LOGINDISABLED, be refused a LOGIN, start TLS, and then see AUTH= and no
# STARTTLS (RFC 3501 6.2.1, RFC 2595 3.2, RFC 9051 6.2.1).
% config plaintext_auth=never
% connect plain
S: * OK [CAPABILITY ${CAPS_BASE} STARTTLS LOGINDISABLED] skua ready.
C: a1 CAPABILITY
S: * CAPABILITY ${CAPS_BASE} STARTTLS LOGINDISABLED
S: a1 OK Capability completed.
C: a2 LOGIN alice alice-secret
S: a2 NO [PRIVACYREQUIRED] Plaintext authentication is disabled on unencrypted connections; use STARTTLS or port 993.
C: a3 AUTHENTICATE PLAIN AGFsaWNlAGFsaWNlLXNlY3JldA==
S: a3 NO [PRIVACYREQUIRED] Plaintext authentication is disabled on unencrypted connections; use STARTTLS or port 993.
C: a4 STARTTLS extra
S: a4 BAD STARTTLS takes no arguments
C: a5 STARTTLS
S: a5 OK Begin TLS negotiation now.
% starttls
C: a6 CAPABILITY
S: * CAPABILITY ${CAPS_BASE} AUTH=PLAIN AUTH=LOGIN
S: a6 OK Capability completed.
C: a7 STARTTLS
S: a7 BAD TLS is already active
C: a8 LOGIN alice alice-secret
S: a8 OK [CAPABILITY ${CAPS_AUTHED}] Logged in
C: a9 LOGOUT
S: * BYE Logging out
S: a9 OK Logout completed.
% closed
