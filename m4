Content-Type: text/plain; title*0*=us-ascii%27en%27This%20is; title*1*=%20%2A%2A%2Afun; title*2="isn't it"; name*0="foo"; name*1="bar"; x*=utf-8%27%27%C3%A9

hi
