Content-Type: multipart/digest; boundary=d

--d

From: a@b
Subject: one

body1
--d
Content-Type: text/plain

plain
--d--
