# The commands of the not-authenticated state, their errors, and the
# parser's recovery from bad input (RFC 3501 6.1, 7.1; RFC 2971).
% connect plain
S~ \* OK \[CAPABILITY ${CAPS_BASE} STARTTLS AUTH=PLAIN AUTH=LOGIN\] skua ready\.
C: n1 NOOP
S: n1 OK NOOP completed.
C: n2 noop
S: n2 OK NOOP completed.
C: n3 NOOP extra
S: n3 BAD NOOP takes no arguments
C: n4 FROBNICATE
S: n4 BAD Unknown command FROBNICATE
C: n5 SELECT INBOX
S: n5 BAD SELECT is not allowed before login; log in first
C: n6 FETCH 1 FLAGS
S: n6 BAD FETCH is not allowed before login; log in first
C: i1 ID NIL
S: * ID ("name" "skua" "version" "0.1")
S: i1 OK ID completed.
C: i2 ID ("name" "test client" "version" "1.0")
S: * ID ("name" "skua" "version" "0.1")
S: i2 OK ID completed.
C: i3 ID ("name")
S: i3 BAD ID list must hold field-value pairs
C: i4 ID
S: i4 BAD ID takes one argument: NIL or a list of field-value pairs
C: l1 LOGIN alice
S: l1 BAD LOGIN wants a user name and a password
C: l2 LOGIN {5}
S: + Ready for literal data
C: alice {12}
S: + Ready for literal data
C: alice-secret
S: l2 OK [CAPABILITY ${CAPS_AUTHED}] Logged in
C: l3 LOGOUT
S: * BYE Logging out
S: l3 OK Logout completed.
% closed
# A literal is only invited for a command that may run now.
% connect plain
S~ \* OK .*
C: x1 APPEND INBOX {10}
S: x1 BAD APPEND is not allowed before login; log in first
C: x2 FROB {3}
S: x2 BAD Unknown command FROB
C: x3 NOOP
S: x3 OK NOOP completed.
