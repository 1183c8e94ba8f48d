"""Helpers for mxlookup's interop suite (tests/interop.rs): configure, seed and
inspect a real sydent and a real Synapse on loopback.

Each subcommand prints one JSON document on stdout. Run the `sydent-*`, `seed`
and `sql` subcommands with the sydent venv's python, the `synapse-*` ones with
the Synapse venv's python; `guard` and `free-ports` need only the standard
library.

  guard LOG -- CMD...        run CMD (output to LOG) until stdin reaches EOF,
                             then stop it (its whole process group)
  free-ports N               N free loopback TCP ports
  synapse-prepare DIR        config, TLS certificate and signing key in DIR
  synapse-user CONFIG URL USER PASSWORD
                             register USER with the shared secret, log in
  sydent-prepare DIR [--terms FILE] [--limit N]
                             sydent's INI file in DIR
  seed CONFIG JSON           bind associations with sydent's own code
  sql DB QUERY [PARAM...]    run one statement (committed), print the rows
  radicale-prepare, xandikos-prepare
                             CardDAV servers (dav.py; their venv's python)
"""

import contextlib
import json
import os
import signal
import socket
import string
import subprocess
import sys
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))


def emit(value):
    json.dump(value, sys.stdout)
    sys.stdout.write("\n")


def free_ports(n):
    """Ports the kernel picks (bind to port 0), held together so they differ."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def render(template, target, **values):
    with open(os.path.join(HERE, template), encoding="utf-8") as f:
        text = string.Template(f.read()).substitute(values)
    with open(target, "w", encoding="utf-8") as f:
        f.write(text)


# --- process guard ---------------------------------------------------------


def guard(argv):
    """Run a server so that it cannot outlive whoever started it: it is stopped
    when our stdin closes, which happens when the test process ends, however it
    ends."""
    log_path, sep, cmd = argv[0], argv[1], argv[2:]
    assert sep == "--" and cmd, "usage: guard LOG -- CMD..."
    log = open(log_path, "ab")
    child = subprocess.Popen(
        cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )

    def stop(*_):
        try:
            os.killpg(child.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)

    def watch_stdin():
        while sys.stdin.buffer.read(4096):
            pass
        stop()

    signal.signal(signal.SIGTERM, lambda *_: stop())
    threading.Thread(target=watch_stdin, daemon=True).start()
    code = child.wait()
    # Whatever the server left in its group goes with it.
    try:
        os.killpg(child.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    sys.exit(code if code >= 0 else 128 - code)


# --- TLS in front of sydent -------------------------------------------------


def tls_proxy(argv):
    """Serve TLS on PORT with CERT and KEY, forwarding each connection to
    127.0.0.1:UPSTREAM: Synapse reaches identity servers only over https
    (`https://{id_server}/_matrix/identity/v2/3pid/bind`), and sydent serves
    plain HTTP."""
    import asyncio
    import ssl

    port, upstream, cert, key = int(argv[0]), int(argv[1]), argv[2], argv[3]
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

    async def pipe(reader, writer):
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, ssl.SSLError):
            pass
        finally:
            writer.close()

    async def handle(client_reader, client_writer):
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", upstream)
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(pipe(client_reader, up_writer), pipe(up_reader, client_writer))

    async def main():
        server = await asyncio.start_server(handle, "127.0.0.1", port, ssl=context)
        async with server:
            await server.serve_forever()

    asyncio.run(main())


# --- Synapse ---------------------------------------------------------------


def synapse_prepare(directory):
    import datetime
    import ipaddress
    import secrets

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    from signedjson.key import generate_signing_key, write_signing_keys

    os.makedirs(directory, exist_ok=True)
    tls_port, client_port = free_ports(2)

    # A self-signed certificate for the federation listener (sydent is told
    # not to verify it: federation.verifycerts = False).
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    with open(os.path.join(directory, "tls.crt"), "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(os.path.join(directory, "tls.key"), "wb") as f:
        f.write(key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        ))
    with open(os.path.join(directory, "signing.key"), "w") as f:
        write_signing_keys(f, [generate_signing_key("a_interop")])

    config = os.path.join(directory, "homeserver.yaml")
    render(
        "homeserver.yaml.in", config,
        dir=directory, tls_port=tls_port, client_port=client_port,
        shared_secret=secrets.token_hex(16), macaroon=secrets.token_hex(16),
        form=secrets.token_hex(16),
    )
    emit({
        "config": config,
        "server_name": "127.0.0.1:%d" % tls_port,
        "client_url": "http://127.0.0.1:%d" % client_port,
        "federation_url": "https://127.0.0.1:%d" % tls_port,
    })


def synapse_user(config, url, user, password):
    bindir = os.path.dirname(sys.executable)
    subprocess.run(
        [os.path.join(bindir, "register_new_matrix_user"), "-c", config,
         "-u", user, "-p", password, "--no-admin", url],
        check=True, stdout=sys.stderr,
    )
    body = json.dumps({
        "type": "m.login.password",
        "identifier": {"type": "m.id.user", "user": user},
        "password": password,
    }).encode()
    req = urllib.request.Request(
        url + "/_matrix/client/v3/login", data=body,
        headers={"Content-Type": "application/json"}, method="POST",
    )
    # Loopback: never through a proxy from the environment.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(req, timeout=30) as resp:
        answer = json.load(resp)
    emit({"user_id": answer["user_id"], "access_token": answer["access_token"]})


# --- sydent ----------------------------------------------------------------


def sydent_prepare(argv):
    # SMTP port 9 (discard): nothing listens there unless a test gives a sink.
    directory, terms, limit, smtp = argv[0], "", "10000", "9"
    rest = argv[1:]
    while rest:
        flag, value, rest = rest[0], rest[1], rest[2:]
        if flag == "--terms":
            terms = value
        elif flag == "--limit":
            limit = value
        elif flag == "--smtp-port":
            smtp = value
        else:
            raise SystemExit("unknown option " + flag)
    # The wheel ships no mail templates: sydent reads the default brand's
    # verification mail from templates.path (plain %-substitution).
    brand = os.path.join(directory, "templates", "matrix-org")
    os.makedirs(brand, exist_ok=True)
    with open(os.path.join(HERE, "verification_template.eml"), encoding="utf-8") as f:
        template = f.read()
    with open(os.path.join(brand, "verification_template.eml"), "w", encoding="utf-8") as f:
        f.write(template)
    (port,) = free_ports(1)
    config = os.path.join(directory, "sydent.conf")
    render(
        "sydent.conf.in", config,
        dir=directory, port=port, terms=terms, limit=limit, smtp=smtp,
    )
    emit({
        "config": config,
        "db": os.path.join(directory, "sydent.db"),
        "url": "http://127.0.0.1:%d" % port,
    })


class _Shim:
    """What sydent's stores and binder read from a Sydent object, built from
    the config file a running sydent wrote and its database."""

    def __init__(self, config_path):
        import sqlite3

        from sydent.config import SydentConfig
        from sydent.replication.pusher import Pusher

        self.config = SydentConfig()
        self.config.parse_config_file(config_path)
        self.db = sqlite3.connect(self.config.database.database_path)

        class Keyring:
            ed25519 = self.config.crypto.signing_key

        Keyring.ed25519.alg = "ed25519"
        self.keyring = Keyring
        self.pusher = Pusher(self)


def seed(config_path, spec):
    """Bind associations the way sydent's ThreepidBinder.addBinding does
    (normalise, hash with the current pepper, store locally, copy to the global
    table), minus the callback to the user's homeserver."""
    from sydent.db.hashing_metadata import HashingMetadataStore
    from sydent.db.threepid_associations import LocalAssociationStore
    from sydent.threepid import ThreepidAssociation
    from sydent.util import time_msec
    from sydent.util.hash import sha256_and_url_safe_base64
    from sydent.util.stringutils import normalise_address

    # sydent's config parser print()s its warnings: keep stdout for our JSON.
    with contextlib.redirect_stdout(sys.stderr):
        syd = _Shim(config_path)
    pepper = HashingMetadataStore(syd).get_lookup_pepper()
    assert pepper, "sydent has not started yet: no pepper in the database"
    store = LocalAssociationStore(syd)
    lifetime = 100 * 365 * 24 * 60 * 60 * 1000
    stored = []
    for entry in json.loads(spec):
        medium, mxid = entry["medium"], entry["mxid"]
        address = normalise_address(entry["address"], medium)
        lookup_hash = sha256_and_url_safe_base64(" ".join([address, medium, pepper]))
        now = time_msec()
        store.addOrUpdateAssociation(ThreepidAssociation(
            medium, address, lookup_hash, mxid, now, now, now + lifetime,
        ))
        stored.append({"medium": medium, "address": address, "mxid": mxid,
                       "lookup_hash": lookup_hash})
    syd.pusher.doLocalPush()
    syd.db.commit()
    emit({"pepper": pepper, "associations": stored})


def sql(db, query, params):
    import sqlite3

    conn = sqlite3.connect(db, timeout=30)
    try:
        rows = conn.execute(query, params).fetchall()
        conn.commit()
    finally:
        conn.close()
    emit([list(r) for r in rows])


def main():
    cmd, argv = sys.argv[1], sys.argv[2:]
    if cmd == "guard":
        guard(argv)
    elif cmd == "free-ports":
        emit(free_ports(int(argv[0])))
    elif cmd == "synapse-prepare":
        synapse_prepare(argv[0])
    elif cmd == "synapse-user":
        synapse_user(*argv)
    elif cmd == "sydent-prepare":
        sydent_prepare(argv)
    elif cmd == "seed":
        seed(argv[0], argv[1])
    elif cmd == "sql":
        sql(argv[0], argv[1], argv[2:])
    elif cmd == "tls-proxy":
        tls_proxy(argv)
    elif cmd in ("radicale-prepare", "xandikos-prepare"):
        import dav

        dav.main(cmd, argv)
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
