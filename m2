Content-Type: multipart/mixed; boundary=b

--b
--b

--b
Content-Type: text/plain
--b
Content-Type: text/plain


--b
Content-Type: text/plain

x
--b  
Content-Type: text/html

nofinal