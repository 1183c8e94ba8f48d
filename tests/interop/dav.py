"""CardDAV servers for mxlookup's interop suite (tests/interop/carddav.rs):
configure a real Radicale or Xandikos on a free loopback port.

Reached through harness.py (`python harness.py radicale-prepare …`), with the
server's own venv python; each subcommand prints one JSON document: the
command that runs the server (for `harness.py guard`), its URL and what a
client needs to log in. Address books and cards are made by the tests over
HTTP (MKCOL, PUT), as a client would, except the bulk book of the
measurement, written straight into Radicale's storage before it starts.

  radicale-prepare DIR USER PASSWORD [--bulk N --bulk-cache FOLDER]
        Radicale with htpasswd (plain) auth, owner_only rights, storage in
        DIR/collections; --bulk N: a book USER/bulk/ ("Bulk") of N cards,
        copied from FOLDER/radicale-bulk-N/ (made there on first use)
  xandikos-prepare DIR
        Xandikos with no authentication (it offers Basic auth only over its
        own TLS, --htpasswd needs --autocert), storage in DIR/data, the
        principal /user/, its default books made on start (--defaults)
"""

import json
import os
import shutil
import sys
import tempfile

from harness import emit, free_ports


def radicale_prepare(argv):
    directory, user, password, rest = argv[0], argv[1], argv[2], argv[3:]
    bulk, bulk_cache = 0, None
    while rest:
        flag, value, rest = rest[0], rest[1], rest[2:]
        if flag == "--bulk":
            bulk = int(value)
        elif flag == "--bulk-cache":
            bulk_cache = value
        else:
            raise SystemExit("unknown option " + flag)
    os.makedirs(directory, exist_ok=True)
    (port,) = free_ports(1)
    users = os.path.join(directory, "users")
    with open(users, "w", encoding="utf-8") as f:
        f.write("%s:%s\n" % (user, password))
    storage = os.path.join(directory, "collections")
    config = os.path.join(directory, "radicale.conf")
    with open(config, "w", encoding="utf-8") as f:
        f.write(
            "[server]\nhosts = 127.0.0.1:%d\n\n"
            "[auth]\ntype = htpasswd\nhtpasswd_filename = %s\n"
            "htpasswd_encryption = plain\n\n"
            "[rights]\ntype = owner_only\n\n"
            "[storage]\nfilesystem_folder = %s\n\n"
            # INFO logs one line per request ("PUT request for '/…'
            # received"), which the tests count.
            "[logging]\nlevel = info\n" % (port, users, storage)
        )
    if bulk:
        template = bulk_template(bulk_cache or directory, bulk)
        shutil.copytree(template, os.path.join(storage, "collection-root", user, "bulk"),
                        copy_function=link_or_copy)
    emit({
        "cmd": [sys.executable, "-m", "radicale", "-C", config],
        "url": "http://127.0.0.1:%d" % port,
        "principal": "/%s/" % user,
    })


# Bump when the bulk cards change: the cached book is rebuilt.
BULK_VERSION = 1


def bulk_template(cache, n):
    """A bulk book of n cards with Radicale's item cache already built, kept
    in `cache` for later runs. Radicale parses and caches every item on the
    first read of a book: ≈17 s of CPU for 10,000 cards, which would
    otherwise land in the measured run."""
    import radicale

    name = "radicale-bulk-%d-v%d-%s" % (n, BULK_VERSION, radicale.VERSION)
    template = os.path.join(cache, name)
    if os.path.isdir(template):
        return template
    os.makedirs(cache, exist_ok=True)
    work = tempfile.mkdtemp(prefix=name + ".tmp-", dir=cache)
    book = os.path.join(work, "collection-root", "bulk", "bulk")
    write_bulk_book(book, n)
    warm_up(work, "/bulk/bulk/")
    try:
        os.rename(book, template)
    except OSError:
        # Another test process made it first: use that one.
        if not os.path.isdir(template):
            raise
    shutil.rmtree(work, ignore_errors=True)
    return template


def link_or_copy(source, target):
    """Hard links: 20,000 files copied cost seconds. Radicale replaces the
    files it changes (a new file renamed into place), so the template is
    never written through a link."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def warm_up(storage, path):
    """Reads every item of the collection at `path` with Radicale's own
    storage code, which writes its item cache."""
    from radicale import config, storage as radicale_storage

    configuration = config.load()
    configuration.update(
        {"storage": {"filesystem_folder": storage, "_filesystem_fsync": "False"}},
        "mxlookup interop", privileged=True,
    )
    store = radicale_storage.load(configuration)
    with store.acquire_lock("w"):
        (collection,) = store.discover(path, depth="0")
        count = sum(1 for _ in collection.get_all())
    assert count > 0, "Radicale read no item of the bulk book"


def write_bulk_book(folder, n):
    """Radicale's filesystem layout: a collection is a folder with
    `.Radicale.props` (its tag and properties), an item is a file named as
    its href. Radicale builds its item cache on the first read."""
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, ".Radicale.props"), "w", encoding="utf-8") as f:
        json.dump({"tag": "VADDRESSBOOK", "D:displayname": "Bulk"}, f)
    for i in range(n):
        card = (
            "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:bulk-%05d\r\n"
            "FN:Contact %05d\r\nN:%05d;Contact;;;\r\n"
            "EMAIL;TYPE=home:Contact%05d@Bulk.Example\r\n"
            "TEL;TYPE=cell:+33 6 %02d %02d %02d %02d\r\n"
            "NOTE:Seeded by tests/interop/dav.py for the 10\\,000-card measurement.\r\n"
            "END:VCARD\r\n"
            % (i, i, i, i, 10 + i // 10000, (i // 100) % 100, i % 100, 42)
        )
        with open(os.path.join(folder, "bulk-%05d.vcf" % i), "w", encoding="utf-8",
                  newline="") as f:
            f.write(card)


def xandikos_prepare(argv):
    directory = argv[0]
    os.makedirs(directory, exist_ok=True)
    (port,) = free_ports(1)
    emit({
        "cmd": [
            sys.executable, "-m", "xandikos", "serve",
            "-d", os.path.join(directory, "data"),
            "--state-dir", os.path.join(directory, "state"),
            "--defaults", "-l", "127.0.0.1", "-p", str(port),
            # systemd's socket activation would take the port from the
            # environment of a CI runner started by systemd.
            "--no-detect-systemd",
        ],
        "url": "http://127.0.0.1:%d" % port,
        "principal": "/user/",
    })


COMMANDS = {
    "radicale-prepare": radicale_prepare,
    "xandikos-prepare": xandikos_prepare,
}


def main(cmd, argv):
    if cmd not in COMMANDS:
        raise SystemExit(__doc__)
    COMMANDS[cmd](argv)
