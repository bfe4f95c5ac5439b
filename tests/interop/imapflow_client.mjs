// tests/interop/imapflow_client.mjs — imapflow (the Node.js IMAP client)
// driven through what it uses against a server, for test_imapflow.py.
//
//     node imapflow_client.mjs MODULES_DIR JOB.json
//
// MODULES_DIR holds node_modules/imapflow. JOB.json says where to connect
// ("host", "port", "secure", "starttls", "ca", "user", "pass"), which
// phase to run ("main", "resync" or "idle") and the phase's data. The
// result is one line "RESULT {json}" on stdout; the Python test checks it
// and, more to the point, what the server did. The idle phase first
// writes "IDLING" once the server has answered IDLE, and then waits for
// the test to append. Exit 0 when the phase ran to its end, 2 on an error
// (its text on stderr), 3 when an awaited event never came.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

const [modulesDir, jobFile] = process.argv.slice(2);
const require = createRequire(path.join(path.resolve(modulesDir), 'x.js'));
const { ImapFlow } = require('imapflow');
const job = JSON.parse(fs.readFileSync(jobFile, 'utf8'));
const debug = !!process.env.SKUA_INTEROP_DEBUG;

// To stderr at once: a pipe written by console.error may lose its last
// lines at process.exit().
function say(text) {
    fs.writeSync(2, text + '\n');
}

// No phase may hang the test: a bounded wait for everything.
const watchdog = setTimeout(() => {
    say('imapflow_client: gave up after ' + job.limitMs + ' ms');
    process.exit(3);
}, job.limitMs || 60000);

// imapflow logs this once the server has answered IDLE with "+".
const IDLE_STARTED = 'Initiated IDLE, waiting for server input';
let idleStarted = null;

function log(level) {
    return (obj) => {
        if (obj && obj.msg === IDLE_STARTED && idleStarted) idleStarted();
        if (debug || level === 'warn' || level === 'error') {
            say(level + ' ' + JSON.stringify(obj, (k, v) =>
                typeof v === 'bigint' ? v.toString() : v));
        }
    };
}

function client(extra) {
    const opts = {
        host: job.host,
        port: job.port,
        secure: !!job.secure,
        doSTARTTLS: !!job.starttls,
        auth: { user: job.user, pass: job.pass },
        logger: { debug: log('debug'), info: log('info'),
                  warn: log('warn'), error: log('error') },
        logRaw: debug,
        // The test drives IDLE itself.
        disableAutoIdle: true,
        ...extra,
    };
    if (job.ca) {
        opts.tls = { ca: [fs.readFileSync(job.ca)], servername: 'localhost',
                     rejectUnauthorized: true };
    }
    return new ImapFlow(opts);
}

// JSON cannot hold a BigInt, a Set or a Map.
function plain(v) {
    return JSON.parse(JSON.stringify(v, (k, x) => {
        if (typeof x === 'bigint') return x.toString();
        if (x instanceof Set) return [...x].sort();
        if (x instanceof Map) return [...x.entries()];
        if (x && x.type === 'Buffer' && Array.isArray(x.data))
            return Buffer.from(x.data).toString('base64');
        return x;
    }));
}

function done(result) {
    fs.writeSync(1, 'RESULT ' + JSON.stringify(plain(result)) + '\n');
}

function connectInfo(c) {
    return {
        secure: !!job.secure,
        enabled: [...c.enabled].sort(),
        // imapflow sets _deflate once COMPRESS=DEFLATE is on.
        compressed: !!c._deflate,
        capabilities: [...c.capabilities.keys()].sort(),
    };
}

function structure(node) {
    if (!node) return null;
    return {
        type: node.type,
        part: node.part || null,
        parameters: node.parameters || null,
        disposition: node.disposition || null,
        size: node.size || null,
        childNodes: (node.childNodes || []).map(structure),
    };
}

async function fetchAll(c, range, opts) {
    const out = [];
    for await (const m of c.fetch(range, {
        uid: true, flags: true, envelope: true, bodyStructure: true,
        source: true, size: true, internalDate: true }, opts)) {
        out.push({
            seq: m.seq, uid: m.uid, flags: m.flags, modseq: m.modseq,
            size: m.size,
            subject: m.envelope.subject,
            messageId: m.envelope.messageId,
            from: (m.envelope.from || []).map((a) => a.address),
            to: (m.envelope.to || []).map((a) => a.address),
            date: m.envelope.date ? m.envelope.date.toISOString() : null,
            structure: structure(m.bodyStructure),
            source: m.source.toString('base64'),
        });
    }
    return out;
}

// Everything a mail client does in one session: folders, APPEND with
// APPENDUID, FETCH, STORE (with UNCHANGEDSINCE), SEARCH and ESEARCH,
// COPY and MOVE with COPYUID, UID EXPUNGE; then the state QRESYNC needs.
async function phaseMain(c) {
    const r = { connect: connectInfo(c) };
    const d = job.data;

    r.listBefore = (await c.list()).map((f) => f.path).sort();
    r.created = [];
    for (const name of d.create) {
        r.created.push(plain(await c.mailboxCreate(name)));
    }
    r.renamed = plain(await c.mailboxRename(d.rename[0], d.rename[1]));
    r.deleted = plain(await c.mailboxDelete(d.delete));
    r.listAfter = (await c.list()).map((f) => f.path).sort();
    r.statusBefore = await c.status('INBOX', {
        messages: true, uidNext: true, uidValidity: true, unseen: true,
        highestModseq: true });

    r.appended = [];
    for (const m of d.append) {
        r.appended.push(await c.append('INBOX', Buffer.from(m.raw, 'base64'),
                                       m.flags));
    }

    const box = await c.mailboxOpen('INBOX');
    r.opened = { exists: box.exists, uidValidity: box.uidValidity,
                 uidNext: box.uidNext, highestModseq: box.highestModseq };
    r.fetched = await fetchAll(c, '1:*');

    // Flags by UID: the uids of the appended messages, by their index.
    const uid = (i) => String(r.appended[i].uid);
    r.flagOps = [];
    for (const op of d.flagOps) {
        const opts = { uid: true };
        if (op.unchangedSince === 'fresh') {
            // The MODSEQ the message had when it was fetched.
            const want = r.appended[op.msg].uid;
            opts.unchangedSince = r.fetched.find((m) => m.uid === want).modseq;
        } else if (op.unchangedSince) {
            opts.unchangedSince = BigInt(op.unchangedSince);
        }
        const fn = { add: 'messageFlagsAdd', remove: 'messageFlagsRemove',
                     set: 'messageFlagsSet' }[op.op];
        r.flagOps.push(await c[fn](uid(op.msg), op.flags, opts));
    }
    r.afterFlags = await fetchAll(c, '1:*');

    r.searchFlagged = await c.search({ flagged: true }, { uid: true });
    r.esearchUnseen = await c.search({ seen: false },
        { uid: true, returnOptions: ['MIN', 'MAX', 'COUNT', 'ALL'] });
    r.searchKeyword = await c.search({ keyword: '$Label1' }, { uid: true });

    r.copy = await c.messageCopy(uid(d.copy), d.copyTo, { uid: true });
    r.move = await c.messageMove(uid(d.move), d.moveTo, { uid: true });
    r.deleteOk = await c.messageDelete(uid(d.expunge), { uid: true });

    const after = await c.mailboxOpen('INBOX');
    const uids = [];
    for await (const m of c.fetch('1:*', { uid: true })) uids.push(m.uid);
    r.state = { uidValidity: after.uidValidity,
                highestModseq: after.highestModseq,
                uidNext: after.uidNext, uids };
    return r;
}

// Back after another session changed flags, expunged and appended:
// SELECT (QRESYNC (uidvalidity modseq)) must bring exactly the changes.
async function phaseResync(c) {
    const r = { connect: connectInfo(c), flags: [], vanished: [] };
    const st = job.data.state;
    c.on('flags', (e) => r.flags.push({ uid: e.uid, seq: e.seq,
                                       flags: e.flags, modseq: e.modseq }));
    c.on('expunge', (e) => r.vanished.push({ uid: e.uid, seq: e.seq,
                                            vanished: e.vanished,
                                            earlier: e.earlier }));
    const box = await c.mailboxOpen('INBOX', {
        uidValidity: BigInt(st.uidValidity),
        changedSince: BigInt(st.highestModseq) });
    // What UID FETCH (CHANGEDSINCE n VANISHED) brings is kept apart.
    r.vanishedOnSelect = r.vanished;
    r.flagsOnSelect = r.flags;
    r.vanished = [];
    r.flags = [];
    r.opened = { qresync: box.qresync, exists: box.exists,
                 uidValidity: box.uidValidity, uidNext: box.uidNext,
                 highestModseq: box.highestModseq };
    r.newMessages = [];
    if (box.uidNext > st.uidNext) {
        r.newMessages = await fetchAll(c, `${st.uidNext}:*`, { uid: true });
    }
    // The flags of the changed messages as CHANGEDSINCE reports them too.
    r.vanished = [];
    r.changedSince = [];
    for await (const m of c.fetch('1:*', { uid: true, flags: true },
                                  { uid: true,
                                    changedSince: BigInt(st.highestModseq) }))
        r.changedSince.push({ uid: m.uid, flags: m.flags, modseq: m.modseq });
    r.vanishedOnFetch = r.vanished;
    return r;
}

// IDLE: the 'exists' event must come when another session appends.
async function phaseIdle(c) {
    const r = { connect: connectInfo(c) };
    const box = await c.mailboxOpen('INBOX');
    r.existsBefore = box.exists;
    const event = new Promise((resolve) => c.on('exists', resolve));
    const started = new Promise((resolve) => { idleStarted = resolve; });
    const idling = c.idle();
    await started;
    // Synchronously: the test waits for this line before it appends.
    fs.writeSync(1, 'IDLING\n');
    r.exists = await event;
    r.newest = await fetchAll(c, `${r.exists.count}`);
    await idling;
    return r;
}

const phases = { main: phaseMain, resync: phaseResync, idle: phaseIdle };
const c = client({ qresync: true });
let code = 0;
try {
    await c.connect();
    const result = await phases[job.phase](c);
    await c.logout();
    done(result);
} catch (err) {
    say('imapflow_client: ' + job.phase + ' ' + (err && err.stack) + ' ' +
        (err && err.response ? err.response : ''));
    code = 2;
}
clearTimeout(watchdog);
process.exit(code);
