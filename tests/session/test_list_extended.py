"""LIST-EXTENDED (RFC 5258, every example of its section 5 replayed),
CHILDREN (RFC 3348), SPECIAL-USE and CREATE-SPECIAL-USE (RFC 6154),
LIST-STATUS (RFC 5819), STATUS=SIZE (RFC 8438), APPENDLIMIT (RFC 7889),
NAMESPACE (RFC 2342) and UNSELECT (RFC 3691) over a real socket.

skua always gives \\HasChildren or \\HasNoChildren (RFC 5258 4 allows
it), so the RFC's "()" lines come with one of them here. It has no
remote mailboxes: REMOTE changes nothing, and the RFC's \\Remote lines
have no counterpart."""
import os
import shutil

from harness import Client, IS_ROOT, Server, USERS, check
from test_mailbox import deliver, fresh, want

OK = "OK List completed."


class Session:
    def __init__(self, world, name, **config):
        config.setdefault("special_folders", "")
        self.maildir = fresh(world, name)
        self.srv = Server(world, maildir="~/" + name, **config)
        self.c = Client(self.srv.port)
        self.c.expect(r"\* OK .*")
        self.c.cmd("l", "LOGIN alice " + USERS["alice"][1])

    def folders(self, *names):
        for n in names:
            self.c.cmd("t", "CREATE " + n)

    def subscribe(self, *names):
        """Writes the subscriptions file directly: SUBSCRIBE refuses
        names that do not exist, and RFC 5258's examples have some."""
        path = os.path.join(self.maildir, ".subscriptions")
        with open(path, "w") as f:
            f.write("".join(n + "\n" for n in names))
        if IS_ROOT:
            os.chown(path, USERS["alice"][0], USERS["alice"][0])

    def close(self):
        self.c.close()
        self.srv.stop()


def run(world, name, body, **config):
    s = Session(world, name, **config)
    try:
        body(s)
    finally:
        s.close()


def created(c, text):
    """CREATE's OK may carry a MAILBOXID (RFC 8474): not looked at."""
    got, tag = c.cmd("t", text)
    check(got == [] and tag.startswith("t OK ") and
          tag.endswith(" Create completed."), f"{text}: got {tag!r}")


def L(attrs, name, extra=""):
    return f'* LIST ({attrs}) "/" {name}{extra}'


CI = ' ("CHILDINFO" ("SUBSCRIBED"))'


def test_rfc5258_examples_1_to_7(world):
    def body(s):
        c = s.c
        s.folders("Fruit/Apple", "Fruit/Banana", "Tofu",
                  "Vegetable/Broccoli", "Vegetable/Corn")
        s.subscribe("INBOX", "Fruit/Banana", "Fruit/Peach", "Vegetable",
                    "Vegetable/Broccoli")
        everything = [L(r"\HasNoChildren", "INBOX"),
                      L(r"\HasChildren", "Fruit"),
                      L(r"\HasNoChildren", "Fruit/Apple"),
                      L(r"\HasNoChildren", "Fruit/Banana"),
                      L(r"\HasNoChildren", "Tofu"),
                      L(r"\HasChildren", "Vegetable"),
                      L(r"\HasNoChildren", "Vegetable/Broccoli"),
                      L(r"\HasNoChildren", "Vegetable/Corn")]
        # 1
        want(c, 'LIST "" "*"', everything, OK)
        # 2, and 5 (REMOTE adds nothing here)
        subscribed = [L(r"\Subscribed \HasNoChildren", "INBOX"),
                      L(r"\Subscribed \HasNoChildren", "Fruit/Banana"),
                      L(r"\Subscribed \NonExistent", "Fruit/Peach"),
                      L(r"\Subscribed \HasChildren", "Vegetable"),
                      L(r"\Subscribed \HasNoChildren",
                        "Vegetable/Broccoli")]
        want(c, 'LIST (SUBSCRIBED) "" "*"', subscribed, OK)
        want(c, 'LIST (REMOTE SUBSCRIBED) "" "*"', subscribed, OK)
        # 3, and 4
        top = [L(r"\HasNoChildren", "INBOX"), L(r"\HasChildren", "Fruit"),
               L(r"\HasNoChildren", "Tofu"),
               L(r"\HasChildren", "Vegetable")]
        want(c, 'LIST () "" "%" RETURN (CHILDREN)', top, OK)
        want(c, 'LIST (REMOTE) "" "%" RETURN (CHILDREN)', top, OK)
        # 6: not Fruit/Peach, which does not exist
        want(c, 'LIST (REMOTE) "" "*" RETURN (SUBSCRIBED)',
             [L(r"\Subscribed \HasNoChildren", "INBOX"),
              L(r"\HasChildren", "Fruit"),
              L(r"\HasNoChildren", "Fruit/Apple"),
              L(r"\Subscribed \HasNoChildren", "Fruit/Banana"),
              L(r"\HasNoChildren", "Tofu"),
              L(r"\Subscribed \HasChildren", "Vegetable"),
              L(r"\Subscribed \HasNoChildren", "Vegetable/Broccoli"),
              L(r"\HasNoChildren", "Vegetable/Corn")], OK)
        # 7: several patterns, each name once
        want(c, 'LIST "" ("INBOX" "Tofu" "Fruit/%" "inbox")',
             [L(r"\HasNoChildren", "INBOX"),
              L(r"\HasNoChildren", "Fruit/Apple"),
              L(r"\HasNoChildren", "Fruit/Banana"),
              L(r"\HasNoChildren", "Tofu")], OK)
        # An extended LIST does not take "" as a question for the root.
        want(c, 'LIST "" ("" "Tofu")', [L(r"\HasNoChildren", "Tofu")], OK)
        want(c, 'LIST () "" ""', [], OK)
    run(world, "Maildir-lx1", body)


def test_rfc5258_example_8(world):
    def body(s):
        c = s.c
        s.folders("Foo/Bar", "Foo/Baz", "Moo")
        want(c, 'LIST "" "%" RETURN (CHILDREN)',
             [L(r"\HasNoChildren", "INBOX"), L(r"\HasChildren", "Foo"),
              L(r"\HasNoChildren", "Moo")], OK)
        # A
        s.subscribe("Foo/Baz")
        want(c, 'LIST (SUBSCRIBED) "" "*"',
             [L(r"\Subscribed \HasNoChildren", "Foo/Baz")], OK)
        want(c, 'LIST (SUBSCRIBED) "" "%"', [], OK)
        want(c, 'LIST (SUBSCRIBED RECURSIVEMATCH) "" "%"',
             [L(r"\HasChildren", "Foo", CI)], OK)
        # A1
        s.subscribe("Foo", "Foo/Baz")
        want(c, 'LIST (SUBSCRIBED RECURSIVEMATCH) "" "%"',
             [L(r"\Subscribed \HasChildren", "Foo", CI)], OK)
        # B
        s.subscribe()
        want(c, 'LIST (SUBSCRIBED RECURSIVEMATCH) "" "%"', [], OK)
        # C
        s.subscribe("Foo", "Moo")
        want(c, 'LIST (SUBSCRIBED RECURSIVEMATCH) "" "%" RETURN (CHILDREN)',
             [L(r"\Subscribed \HasChildren", "Foo"),
              L(r"\Subscribed \HasNoChildren", "Moo")], OK)
    run(world, "Maildir-lx8", body)


def test_rfc5258_example_8_a2(world):
    def body(s):
        # "Foo" is not part of the hierarchy: no Foo/Baz either.
        s.folders("Moo")
        s.subscribe("Foo/Baz")
        want(s.c, 'LIST (SUBSCRIBED RECURSIVEMATCH) "" "%"',
             [L(r"\NonExistent", "Foo", CI)], OK)
    run(world, "Maildir-lx8a2", body)


def test_rfc5258_example_9(world):
    def body(s):
        c = s.c
        s.folders("foo2/bar1", "foo2/bar2", "baz2/bar2", "baz2/bar22",
                  "baz2/bar222", "eps2/mamba", "qux2/bar2")
        # qux2 is a level only, as in the RFC's hierarchy.
        shutil.rmtree(os.path.join(s.maildir, ".qux2"))
        s.subscribe("foo2/bar1", "foo2/bar2", "baz2/bar2", "baz2/bar22",
                    "baz2/bar222", "eps2", "eps2/mamba", "qux2/bar2")
        sub = r"\Subscribed \HasNoChildren"
        want(c, 'LIST (SUBSCRIBED) "" "*"',
             [L(sub, "baz2/bar2"), L(sub, "baz2/bar22"),
              L(sub, "baz2/bar222"),
              L(r"\Subscribed \HasChildren", "eps2"),
              L(sub, "eps2/mamba"), L(sub, "foo2/bar1"),
              L(sub, "foo2/bar2"), L(sub, "qux2/bar2")], OK)
        # baz2 is one of the lines the RFC says the server may add.
        want(c, 'LIST (RECURSIVEMATCH SUBSCRIBED) "" "*2"',
             [L(r"\HasChildren", "baz2", CI),
              L(sub, "baz2/bar2"), L(sub, "baz2/bar22"),
              L(sub, "baz2/bar222"),
              L(r"\Subscribed \HasChildren", "eps2", CI),
              L(r"\HasChildren", "foo2", CI),
              L(sub, "foo2/bar2"), L(sub, "qux2/bar2")], OK)
        want(c, 'LIST (RECURSIVEMATCH SUBSCRIBED) "" "*"',
             [L(r"\HasChildren", "baz2", CI),
              L(sub, "baz2/bar2"), L(sub, "baz2/bar22"),
              L(sub, "baz2/bar222"),
              L(r"\Subscribed \HasChildren", "eps2", CI),
              L(sub, "eps2/mamba"),
              L(r"\HasChildren", "foo2", CI),
              L(sub, "foo2/bar1"), L(sub, "foo2/bar2"),
              L(sub, "qux2/bar2")], OK)
    run(world, "Maildir-lx9", body)


def test_rfc5258_examples_10_11(world):
    def body(s):
        c = s.c
        # 10
        s.folders("foo")
        s.subscribe("foo/bar")
        want(c, 'LIST "" ("foo" "foo/*")', [L(r"\HasNoChildren", "foo")],
             OK)
        want(c, 'LIST (SUBSCRIBED) "" "foo/*"',
             [L(r"\Subscribed \NonExistent", "foo/bar")], OK)
        want(c, 'LIST (SUBSCRIBED RECURSIVEMATCH) "" foo RETURN (CHILDREN)',
             [L(r"\HasNoChildren", "foo", CI)], OK)
        # 11: music exists only as the parent of music/rock
        s.folders("music/rock")
        shutil.rmtree(os.path.join(s.maildir, ".music"))
        want(c, 'LIST (REMOTE) "" music*',
             [L(r"\HasNoChildren", "music/rock")], OK)
        want(c, 'LIST () "" %',
             [L(r"\HasNoChildren", "INBOX"), L(r"\HasNoChildren", "foo"),
              L(r"\NonExistent \HasChildren", "music")], OK)
        want(c, 'LIST "" (% music/rock)',
             [L(r"\HasNoChildren", "INBOX"), L(r"\HasNoChildren", "foo"),
              L(r"\HasNoChildren", "music/rock")], OK)
        # The plain LIST keeps RFC 3501's \Noselect.
        want(c, 'LIST "" music',
             [L(r"\Noselect \HasChildren", "music")], OK)
    run(world, "Maildir-lx10", body)


def test_list_extended_errors(world):
    def body(s):
        c = s.c
        for cmd, text in (
                ('LIST (RECURSIVEMATCH) "" *', "RECURSIVEMATCH must be"),
                ('LIST (REMOTE RECURSIVEMATCH) "" *',
                 "RECURSIVEMATCH must be"),
                ('LIST (BOGUS) "" *', "Invalid LIST option BOGUS"),
                ('LIST "" * RETURN (BOGUS)', "Invalid LIST option BOGUS"),
                ('LIST "" * RETURN CHILDREN', "Extra arguments"),
                ('LIST "" * FOO (CHILDREN)', "Extra arguments"),
                ('LIST "" ()', "LIST wants"),
                ('LIST ""', "LIST wants"),
                ('LIST "" * RETURN (STATUS)', "STATUS wants"),
                ('LIST "" * RETURN (STATUS ())', "Empty status list"),
                ('LIST "" * RETURN (STATUS (MESSAGES BOGUS))',
                 "Invalid status item BOGUS")):
            got, tag = c.cmd("t", cmd, "BAD")
            check(got == [] and tag.startswith("t BAD " + text),
                  f"{cmd}: got {got} {tag!r}")
        # An option given twice counts once; options are case-blind.
        want(c, 'LIST (subscribed SUBSCRIBED) "" * RETURN (children '
             'CHILDREN)', [], OK)
    run(world, "Maildir-lxerr", body)


def test_special_use(world):
    def body(s):
        c = s.c
        c.cmd("t", "CREATE Work")
        want(c, 'LIST (SPECIAL-USE) "" *',
             [L(r"\HasNoChildren \Archive", "Archive"),
              L(r"\HasNoChildren \Drafts", "Drafts"),
              L(r"\HasNoChildren \Flagged", "Flagged"),
              L(r"\HasNoChildren \Sent", "Sent")], OK)
        want(c, 'LIST "" * RETURN (SPECIAL-USE)',
             [L(r"\HasNoChildren", "INBOX"),
              L(r"\HasNoChildren \Archive", "Archive"),
              L(r"\HasNoChildren \Drafts", "Drafts"),
              L(r"\HasNoChildren \Flagged", "Flagged"),
              L(r"\HasNoChildren \Sent", "Sent"),
              L(r"\HasNoChildren", "Work")], OK)
        # CREATE-SPECIAL-USE: kept in skua.specialuse.
        created(c, r"CREATE Work/Old (USE (\Archive \Junk))")
        created(c, r"CREATE All (USE (\all))")
        want(c, r"CREATE Imp (USE (\Important))", [],
             "NO [USEATTR] Unsupported special-use attribute", "NO")
        want(c, r"CREATE Imp (FOO (\Sent))", [],
             "BAD Unknown CREATE parameter", "BAD")
        want(c, 'LIST "" Imp', [], OK)
        created(c, r"CREATE Bin (USE ())")
        with open(os.path.join(s.maildir, "skua.specialuse")) as f:
            check(f.read() == ".Work.Old\t\\Archive \\Junk\n.All\t\\All\n",
                  "skua.specialuse")
        want(c, 'LIST (SPECIAL-USE RECURSIVEMATCH) "" %',
             [L(r"\HasNoChildren \All", "All"),
              L(r"\HasNoChildren \Archive", "Archive"),
              L(r"\HasNoChildren \Drafts", "Drafts"),
              L(r"\HasNoChildren \Flagged", "Flagged"),
              L(r"\HasNoChildren \Sent", "Sent"),
              L(r"\HasChildren", "Work",
                ' ("CHILDINFO" ("SPECIAL-USE"))')], OK)
        # The attributes follow RENAME and go with DELETE.
        want(c, "RENAME Work Play", [], "OK Rename completed.")
        want(c, 'LIST "" Play/%',
             [L(r"\HasNoChildren \Junk \Archive", "Play/Old")], OK)
        want(c, 'LSUB "" *', [], "OK Lsub completed.")
        c.cmd("t", "SUBSCRIBE Play/Old")
        want(c, 'LSUB "" *', [r'* LSUB (\Junk \Archive) "/" Play/Old'],
             "OK Lsub completed.")
        want(c, "DELETE Play/Old", [], "OK Delete completed.")
        created(c, r"CREATE Play/Old")
        want(c, 'LIST "" Play/%', [L(r"\HasNoChildren", "Play/Old")], OK)
    run(world, "Maildir-su", body,
        special_folders="Drafts Sent Archive Flagged")


def test_list_status_and_size(world):
    def body(s):
        c = s.c
        msg1 = b"Subject: a\nFrom: x@y\n\nbody\n"          # 4 LF: 31
        msg2 = b"Subject: b\r\n\r\nhello\r\n"               # 21
        deliver(s.maildir, "", "1.M1.host", msg1, info="S")
        deliver(s.maildir, "", "2.M2.host,S=21,W=21", msg2)
        c.cmd("t", "CREATE Box/Sub")
        size = len(msg1) + msg1.count(b"\n") + len(msg2)
        want(c, "STATUS INBOX (SIZE APPENDLIMIT MESSAGES)",
             [f"* STATUS INBOX (MESSAGES 2 SIZE {size} "
              "APPENDLIMIT 67108864)"], "OK Status completed.")
        want(c, "STATUS Box (size)",
             ["* STATUS Box (SIZE 0)"], "OK Status completed.")
        want(c, "STATUS Box (SIZE BOGUS)", [],
             "BAD Invalid status item BOGUS", "BAD")
        # Box lost its cur/: \Noselect, so no STATUS for it.
        os.rmdir(os.path.join(s.maildir, ".Box", "cur"))
        want(c, 'LIST "" % RETURN (STATUS (MESSAGES UNSEEN SIZE))',
             [L(r"\HasNoChildren", "INBOX"),
              f"* STATUS INBOX (MESSAGES 2 UNSEEN 1 SIZE {size})",
              L(r"\Noselect \HasChildren", "Box")], OK)
        want(c, 'LIST "" ("Box/*" "Nope") RETURN (STATUS (UIDNEXT))',
             [L(r"\HasNoChildren", "Box/Sub"),
              "* STATUS Box/Sub (UIDNEXT 1)"], OK)
        s.subscribe("Gone")
        want(c, 'LIST (SUBSCRIBED) "" * RETURN (STATUS (MESSAGES))',
             [L(r"\Subscribed \NonExistent", "Gone")], OK)
    run(world, "Maildir-ls", body)


def test_namespace_unselect_capability(world):
    def body(s):
        c = s.c
        want(c, "NAMESPACE", ['* NAMESPACE (("" "/")) NIL NIL'],
             "OK Namespace completed.")
        want(c, "NAMESPACE x", [], "BAD NAMESPACE takes no arguments",
             "BAD")
        got, _ = c.cmd("t", "CAPABILITY")
        for cap in ("NAMESPACE", "UNSELECT", "CHILDREN", "LIST-EXTENDED",
                    "LIST-STATUS", "SPECIAL-USE", "CREATE-SPECIAL-USE",
                    "STATUS=SIZE", "APPENDLIMIT=67108864"):
            check(cap in got[0].split(), f"{cap} not in {got}")
        deliver(s.maildir, "", "1.M1.host", b"Subject: a\n\nx\n", info="T")
        c.cmd("t", "SELECT INBOX")
        want(c, "UNSELECT", [], "OK Unselect completed.")
        check(len(os.listdir(os.path.join(s.maildir, "cur"))) == 1,
              "UNSELECT expunged")
        got, tag = c.cmd("t", "UNSELECT", "BAD")
        check(got == [] and tag.startswith("t BAD UNSELECT needs a "
                                           "selected mailbox"), tag)
        c.cmd("t", "EXAMINE INBOX")
        want(c, "UNSELECT x", [], "BAD UNSELECT takes no arguments", "BAD")
        want(c, "UNSELECT", [], "OK Unselect completed.")
        got, tag = c.cmd("t", "CLOSE", "BAD")
        check(tag.startswith("t BAD CLOSE needs a selected mailbox"), tag)
    run(world, "Maildir-ns", body)


def test_namespace_courier(world):
    def body(s):
        want(s.c, "NAMESPACE", ['* NAMESPACE (("INBOX." ".")) NIL NIL'],
             "OK Namespace completed.")
    run(world, "Maildir-ns2", body, namespace_prefix="INBOX.",
        namespace_separator=".")
