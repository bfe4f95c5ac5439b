#!/bin/sh
# scripts/demo.sh — a throwaway skua on localhost to try with a real
# client: demo/ gets a self-signed certificate, a passwd-file with user
# demo (password demo) and a Maildir with a few messages, then imapd runs
# in the foreground on 127.0.0.1:1143 (STARTTLS) and 127.0.0.1:1993 (TLS).
# Ctrl-C stops it. Rerunning keeps demo/ as it is.
set -eu
build=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)
demo=$top/demo
mkdir -p "$demo"
cd "$demo"

if [ ! -f cert.pem ]; then
	openssl req -x509 -newkey rsa:2048 -nodes -days 365 \
		-keyout key.pem -out cert.pem -subj /CN=localhost \
		-addext subjectAltName=DNS:localhost,IP:127.0.0.1 2>/dev/null
	chmod 600 key.pem
fi

# Running as root, the demo user gets a uid of its own and imapd really
# drops to it; otherwise it is the invoking user (imapd can only serve
# its own uid when it is not root).
if [ "$(id -u)" = 0 ]; then
	uid=10999 gid=10999
else
	uid=$(id -u) gid=$(id -g)
fi
mkdir -p home/demo
if [ ! -d home/demo/Maildir ]; then
	md=home/demo/Maildir
	mkdir -p $md/cur $md/new $md/tmp
	now=$(date +%s)
	i=1
	for subj in "Welcome to skua" "Your demo mailbox" "A third message"; do
		cat > "$md/new/$now.M${i}P$$.demo" <<MSG
From: skua <postmaster@localhost>
To: demo <demo@localhost>
Subject: $subj
Date: $(LC_ALL=C date -R)
Message-ID: <demo$i.$now@localhost>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

This is demo message $i of the skua demo mailbox. Select INBOX,
fetch it, flag it, copy it to another folder or delete it.
MSG
		i=$((i + 1))
	done
fi
[ "$(id -u)" = 0 ] && chown -R $uid:$gid home/demo && chmod 700 home/demo
printf 'demo:{PLAIN}demo:%s:%s::%s::\n' $uid $gid "$demo/home/demo" > users

cat > imapd.conf <<CONF
# skua demo configuration, written by scripts/demo.sh
listen          = 127.0.0.1:1143
listen_tls      = 127.0.0.1:1993
tls_cert        = $demo/cert.pem
tls_key         = $demo/key.pem
auth            = passwd-file $demo/users
plaintext_auth  = loopback
pidfile         = $demo/imapd.pid
CONF

cat <<EOT

skua demo: user demo, password demo. Try:

  openssl s_client -connect 127.0.0.1:1993 -crlf -quiet
      a LOGIN demo demo
      b SELECT INBOX
      c FETCH 1:* (FLAGS ENVELOPE)
      d LOGOUT

  openssl s_client -connect 127.0.0.1:1143 -starttls imap -crlf -quiet

  mutt -f imaps://demo@127.0.0.1:1993/     (accept the certificate; password demo)

Ctrl-C stops the server.

EOT
exec "$top/$build/imapd" -F -c "$demo/imapd.conf"
