"""Patient-data safety: every byte the DICOM, PACS web, HL7 and FHIR probes sent to the testbed's
clinical servers during the integration scan, read back and checked with parsers of this file's
own (not vitals' wire code).

The testbed's clinical family (tests/testbed/svc_clinical.py) records each connection's client
bytes under DIR/svc-clinical/capture/CASE-PORT-SEQ.bin: a capturing forwarder in front of Orthanc
and storescp, and the HL7, FHIR and hostile DICOM emulators themselves. The promise
(docs/METHODOLOGY.md, "Patient-data safety"): no DICOM query key that could match a record, no
C-STORE, C-MOVE or C-GET; no HL7 message a receiver could accept; no FHIR request that returns
resources; no request with credentials.
"""
import json
import re
import struct
from urllib.parse import parse_qs, urlsplit

import pytest

import svc_clinical

VERIFY = "1.2.840.10008.1.1"
FIND_STUDY = "1.2.840.10008.5.1.4.1.2.2.1"
# DIMSE command fields a probe may send (PS3.7 E.1): C-ECHO-RQ, C-FIND-RQ
ALLOWED_COMMANDS = {0x0030: "C-ECHO-RQ", 0x0020: "C-FIND-RQ"}
FORBIDDEN_COMMANDS = {0x0001: "C-STORE-RQ", 0x0010: "C-GET-RQ", 0x0021: "C-MOVE-RQ"}
# the only identifier the C-FIND may carry: (group, element) -> value
FIND_KEYS = {(0x0008, 0x0020): b"19000101", (0x0008, 0x0052): b"STUDY"}
HTTP_PATHS = {"/system", "/patients", "/dicom-web/studies?limit=1", "/metadata", "/fhir/metadata",
              "/.well-known/smart-configuration", "/fhir/.well-known/smart-configuration",
              "/Patient?_summary=count&_count=0", "/fhir/Patient?_summary=count&_count=0"}


def pdus(data):
    """(type, body) of each PDU of a client stream; a truncated tail is an error."""
    out, off = [], 0
    while off < len(data):
        assert len(data) - off >= 6, f"a truncated PDU header at {off}"
        t, n = data[off], struct.unpack(">I", data[off + 2:off + 6])[0]
        assert off + 6 + n <= len(data), f"a truncated PDU at {off}"
        out.append((t, data[off + 6:off + 6 + n]))
        off += 6 + n
    return out


def items(b, off=0):
    """(type, value) of the items of an A-ASSOCIATE-RQ's variable part (PS3.8 9.3.2)."""
    while off < len(b):
        t, n = b[off], struct.unpack(">H", b[off + 2:off + 4])[0]
        yield t, b[off + 4:off + 4 + n]
        off += 4 + n


def abstract_syntaxes(body):
    """The abstract syntax UIDs of the RQ's presentation contexts."""
    out = []
    for t, v in items(body, 68):  # version 2, reserved 2, AE titles 32, reserved 32
        if t == 0x20:
            out += [s.rstrip(b"\0").decode() for st, s in items(v, 4) if st == 0x30]
    return out


def elements(b):
    """{(group, element): value} of an Implicit VR Little Endian data set or command set."""
    out, off = {}, 0
    while off < len(b):
        g, e, n = struct.unpack("<HHI", b[off:off + 8])
        out[(g, e)] = b[off + 8:off + 8 + n]
        off += 8 + n
    return out


def pdvs(body):
    """(context id, control header, value) of a P-DATA-TF's PDVs."""
    off = 0
    while off < len(body):
        n = struct.unpack(">I", body[off:off + 4])[0]
        yield body[off + 4], body[off + 5], body[off + 6:off + 4 + n]
        off += 4 + n


def check_dicom(data, seen):
    """Asserts one DICOM client stream is safe; counts what it saw in `seen`."""
    command = data_set = b""
    for t, body in pdus(data):
        assert t in (1, 4, 5, 7), f"PDU type {t} sent"
        if t == 1:
            syntaxes = abstract_syntaxes(body)
            assert set(syntaxes) <= {VERIFY, FIND_STUDY}, f"presentation contexts {syntaxes}"
            seen["associate"] += 1
            continue
        if t != 4:
            continue
        for _ctx, control, value in pdvs(body):
            if control & 1:
                command += value
            else:
                data_set += value
            if control & 2 and control & 1:
                field = struct.unpack("<H", elements(command)[(0, 0x0100)])[0]
                assert field not in FORBIDDEN_COMMANDS, FORBIDDEN_COMMANDS.get(field)
                assert field in ALLOWED_COMMANDS, f"command field {field:#06x}"
                seen[ALLOWED_COMMANDS[field]] += 1
                command = b""
            elif control & 2:
                keys = {k: v.rstrip(b" \0") for k, v in elements(data_set).items()}
                assert keys == FIND_KEYS, f"C-FIND identifier {keys}"
                seen["identifier"] += 1
                data_set = b""


def check_hl7(data, seen):
    """Every MLLP frame holds one MSH segment alone, processing ID D, a type no interface has."""
    frames = re.findall(rb"\x0b(.*?)\x1c\r", data, re.S)
    assert b"".join(b"\x0b" + f + b"\x1c\r" for f in frames) == data, "bytes outside MLLP frames"
    for f in frames:
        segments = [s for s in f.split(b"\r") if s]
        assert [s[:3] for s in segments] == [b"MSH"], f"segments {[s[:3] for s in segments]}"
        fields = segments[0].split(b"|")
        assert fields[10] == b"D", f"processing ID {fields[10]!r}"
        assert fields[8] == b"ZZZ^Z99^ZZZ", f"message type {fields[8]!r}"
        seen["hl7"] += 1


def check_http(data, seen):
    """GETs of the allowed paths only, no credentials; a Patient query asks for a count only."""
    for head in [h for h in data.split(b"\r\n\r\n") if h]:
        lines = head.decode("latin-1").split("\r\n")
        method, target, _ = lines[0].split(" ")
        assert method == "GET", lines[0]
        assert target in HTTP_PATHS, f"path {target}"
        assert not any(h.lower().startswith(("authorization:", "cookie:")) for h in lines[1:]), lines
        u = urlsplit(target)
        if u.path.endswith("/Patient"):
            assert parse_qs(u.query) == {"_summary": ["count"], "_count": ["0"]}, target
            seen["fhir_count"] += 1
        seen["http"] += 1


def test_clinical_probes_send_nothing_unsafe(bed, scan):
    cap = bed / "svc-clinical" / "capture"
    if not cap.is_dir():
        pytest.skip(f"no clinical cases in this testbed: {svc_clinical.available()}")
    # what served each case's port: orthanc, storescp, dicom_hostile, hl7, fhir_open, fhir_smart
    kinds = {(e["case"], str(e["port"])): e["server"]
             for e in json.loads((bed / "svc-clinical" / "serve.json").read_text())}
    seen = {k: 0 for k in ("associate", "C-ECHO-RQ", "C-FIND-RQ", "identifier", "hl7", "http",
                           "fhir_count", "tls")}
    for f in sorted(cap.glob("*.bin")):
        case, port = f.stem.split("-")[:2]
        data = f.read_bytes()
        if not data:
            continue  # the testbed's own readiness checks, and connects of the port sweep
        try:
            if port == "2762":
                assert data[0] == 0x16, "DICOM over TLS starts with a TLS handshake"
                seen["tls"] += 1  # encrypted: the same builder is checked on the cleartext cases
            elif kinds[case, port] in ("orthanc", "storescp", "dicom_hostile") and port != "8042":
                check_dicom(data, seen)
            elif kinds[case, port] == "hl7":
                check_hl7(data, seen)
            else:
                check_http(data, seen)
        except AssertionError as e:
            raise AssertionError(f"{f.name}: {e}") from None
    print("clinical client streams checked:", seen)
    # the scan did exercise every kind of request: the test cannot pass on nothing
    for k in seen:
        assert seen[k] > 0, f"no {k} was captured: {seen}"
    assert seen["C-FIND-RQ"] == seen["identifier"], seen
