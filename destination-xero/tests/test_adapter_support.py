"""Shared helpers of the adapter tests (configs from the sandbox ready line, real pipes, Xero read-back),
and the tests of the generated config schema both platforms show."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests
from destination_xero.config import load_config
from destination_xero.spec import CONFIG_KEYS, airbyte_connection_specification, singer_config_jsonschema

REPO = Path(__file__).resolve().parents[2]
CATALOGS = REPO / "catalogs" / "source-autotask"
UK, AU, US = "Northwind MSP Ltd", "Northwind MSP Pty Ltd", "Northwind MSP Inc"
UDF = "Xero Organisation"
UDF_TENANT = {"UK": UK, "AU": AU, "US": US}
WRITE_METHODS = ("POST", "PUT")


def script(name: str) -> str:
    """A console script of the workspace venv (the one running these tests)."""
    found = Path(sys.executable).parent / name
    if found.exists():
        return str(found)
    on_path = shutil.which(name)
    if on_path is None:
        pytest.skip(f"console script {name} is not installed (run uv sync --all-packages)")
    return on_path


def source_config(info: dict[str, Any]) -> dict[str, Any]:
    a = info["autotask"]
    return {
        "username": a["username"],
        "secret": a["secret"],
        "integration_code": a["integration_code"],
        "zone_lookup_url": a["zone_lookup_url"],
        "start_date": "2020-01-01T00:00:00Z",
    }


def destination_config(info: dict[str, Any], tmp: Path, **over: Any) -> dict[str, Any]:
    """The three demo organisations routed on the company UDF; New Zealand GST is left unmapped on purpose
    so that some invoices are rejected by name."""
    x = info["xero"]
    ids = {t["name"]: t["tenant_id"] for t in x["tenants"]}
    items = {"enabled": True, "code_from": "sku", "create_missing": True}
    config: dict[str, Any] = {
        "auth": {
            "type": "refresh_token",
            "client_id": x["client_id"],
            "client_secret": x["client_secret"],
            "refresh_token": x["refresh_token"],
        },
        "xero": {"api_url": x["api_url"], "identity_url": x["identity_url"]},
        "rejected_records_path": str(tmp / "rejected.jsonl"),
        "mappings": {
            "accounts": {"default": "200", "by_billing_item_type": {"Labor": "210"}, "purchase": "300"},
            "rounding": {"account": "860"},
            "items": items,
            "branding": {"default": "Standard"},
            "tracking": [{"category": "Line of Business", "source": "line_of_business"}],
        },
        "tenants": [
            {
                "tenant_id": ids[UK],
                "name": UK,
                "route": {"default": True, "company_udf": {"name": UDF, "values": ["UK"]}},
                "mappings": {
                    "tax": {
                        "by_region": {
                            "UK VAT": "OUTPUT2",
                            "EU Reverse Charge": "ECZROUTPUTSERVICES",
                            "Tax Exempt": "EXEMPTOUTPUT",
                        },
                        "by_region_category": {"UK VAT / Non-Taxable": "EXEMPTOUTPUT"},
                        "exempt": "EXEMPTOUTPUT",
                        "purchase": "INPUT2",
                    }
                },
            },
            {
                "tenant_id": ids[AU],
                "name": AU,
                "route": {"company_udf": {"name": UDF, "values": ["AU"]}},
                "mappings": {
                    "tax": {
                        "by_region": {"Australia GST": "OUTPUT", "Tax Exempt": "EXEMPTOUTPUT"},
                        "by_region_category": {"Australia GST / Non-Taxable": "EXEMPTOUTPUT"},
                        "exempt": "EXEMPTOUTPUT",
                        "purchase": "INPUT",
                    },
                    "rounding": {"account": "860", "tax_type": "BASEXCLUDED"},
                },
            },
            {
                "tenant_id": ids[US],
                "name": US,
                "route": {"company_udf": {"name": UDF, "values": ["US"]}},
                "mappings": {
                    "tax": {
                        "by_region": {"California": "NONE", "Tax Exempt": "EXEMPTOUTPUT"},
                        "by_region_category": {
                            "California / Hardware": "TAX001",
                            "California / Software & Licences": "TAX001",
                        },
                        "exempt": "EXEMPTOUTPUT",
                        "purchase": "INPUT",
                    }
                },
            },
        ],
    }
    config.update(over)
    return config


def write_json(path: Path, value: Any) -> Path:
    path.write_text(json.dumps(value), encoding="utf-8")
    return path


@dataclass
class Piped:
    stdout: str
    stderr: str
    code: int
    producer_stderr: str
    producer_code: int

    def messages(self) -> list[dict[str, Any]]:
        found = []
        for line in self.stdout.splitlines():
            try:
                value = json.loads(line, parse_float=Decimal)
            except ValueError:
                continue
            if isinstance(value, dict):
                found.append(value)
        return found


def pipe(producer: list[str], consumer: list[str], cwd: Path, timeout: float = 240) -> Piped:
    """`producer | consumer` as two real processes joined by an OS pipe, as a platform runs them."""
    src = subprocess.Popen(producer, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd)
    dst = subprocess.Popen(
        consumer, stdin=src.stdout, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd
    )
    assert src.stdout is not None
    src.stdout.close()  # the consumer holds the only read end: the producer sees EPIPE if it dies
    try:
        out, err = dst.communicate(timeout=timeout)
        src_err = src.stderr.read() if src.stderr else b""
        src.wait(timeout=30)
    finally:
        for proc in (src, dst):
            if proc.poll() is None:
                proc.kill()
        if src.stderr:
            src.stderr.close()
    return Piped(out.decode(), err.decode(), dst.returncode, src_err.decode(), src.returncode)


def run_source_to_file(cmd: list[str], path: Path, cwd: Path, timeout: float = 240) -> str:
    """The source's output kept as a file, so the same input can be fed twice (a replay)."""
    with path.open("wb") as handle:
        proc = subprocess.run(cmd, stdout=handle, stderr=subprocess.PIPE, cwd=cwd, timeout=timeout)
    assert proc.returncode == 0, proc.stderr.decode()[-3000:]
    return proc.stderr.decode()


def secret_values(info: dict[str, Any]) -> list[str]:
    """Every credential of the ready line, in the forms a log could carry it."""
    a, x = info["autotask"], info["xero"]
    raw = [a["secret"], a["integration_code"], x["client_secret"], x["refresh_token"]]
    custom = x.get("custom_connection") or {}
    if custom.get("client_secret"):
        raw.append(custom["client_secret"])
    forms = set()
    for value in raw:
        forms.add(value)
        forms.add(urllib.parse.quote(value, safe=""))
    return sorted(forms)


def leaks(text: str, secrets: list[str]) -> list[str]:
    return [s[:4] + "..." for s in secrets if s and s in text]


class XeroReader:
    """Reads a sandbox Xero organisation back over HTTP (Accept: application/json)."""

    def __init__(self, info: dict[str, Any], refresh_token: str) -> None:
        x = info["xero"]
        self.api = x["api_url"].rstrip("/")
        response = requests.post(
            x["identity_url"].rstrip("/") + "/connect/token",
            data={"grant_type": "refresh_token", "refresh_token": refresh_token},
            auth=(x["client_id"], x["client_secret"]),
            timeout=30,
        )
        assert response.status_code == 200, response.text
        body = response.json()
        self.token = body["access_token"]
        self.refresh_token = body.get("refresh_token", refresh_token)
        self.tenants = {t["name"]: t["tenant_id"] for t in x["tenants"]}

    def get(self, tenant: str, path: str, params: dict[str, Any] | None = None) -> Any:
        response = requests.get(
            f"{self.api}/{path}",
            params=params,
            headers={
                "Authorization": f"Bearer {self.token}",
                "xero-tenant-id": self.tenants[tenant],
                "Accept": "application/json",
            },
            timeout=60,
        )
        assert response.status_code == 200, (path, response.status_code, response.text[:500])
        return json.loads(response.text, parse_float=Decimal)

    def all(self, tenant: str, collection: str, paged: bool = True) -> list[dict[str, Any]]:
        if not paged:
            return list(self.get(tenant, collection)[collection])
        found: list[dict[str, Any]] = []
        page = 1
        while True:
            batch = self.get(tenant, collection, {"page": page})[collection]
            found.extend(batch)
            if len(batch) < 100:
                return found
            page += 1


def tenant_of(record: dict[str, Any], key: str = "company") -> str:
    """The organisation a document belongs to under `destination_config`: the company's UDF, else UK."""
    company = record.get(key) or {}
    for udf in company.get("userDefinedFields") or []:
        if udf.get("name") == UDF and udf.get("value") in UDF_TENANT:
            return UDF_TENANT[udf["value"]]
    return UK


def records_of(lines: list[dict[str, Any]], stream: str) -> list[dict[str, Any]]:
    return [
        m["record"]["data"] for m in lines if m.get("type") == "RECORD" and m["record"]["stream"] == stream
    ]


def xero_writes(stats: dict[str, Any]) -> int:
    return sum(
        c["count"]
        for c in stats["calls"]
        if c["method"] in WRITE_METHODS and str(c["path"]).startswith("/api.xro")
    )


def assert_documents_landed(reader: XeroReader, source: list[dict[str, Any]], rejected_path: Path) -> None:
    """Invoices, credit notes, purchase orders, contacts and items are in the organisation the routing
    names, and nowhere else; rejected documents are nowhere."""
    rejected_ids = {json.loads(x)["autotask_id"] for x in rejected_path.read_text().splitlines()}
    invoices = [r for r in records_of(source, "invoices") if not r["isVoided"]]
    found: dict[str, dict[str, tuple[str, dict[str, Any]]]] = {"invoice": {}, "credit": {}}
    contacts: dict[str, dict[str, Any]] = {}
    for tenant in (UK, AU, US):
        for inv in reader.all(tenant, "Invoices"):
            if inv["Type"] == "ACCREC":
                found["invoice"][inv["InvoiceNumber"]] = (tenant, inv)
        for note in reader.all(tenant, "CreditNotes"):
            found["credit"][note["CreditNoteNumber"]] = (tenant, note)
        contacts.update({c["ContactID"]: c for c in reader.all(tenant, "Contacts")})
    written = 0
    for record in invoices:
        number = str(record["invoiceNumber"])
        kind = "credit" if Decimal(str(record["invoiceTotal"])) < 0 else "invoice"
        where, document = found[kind].get(number, (None, {}))
        if record["id"] in rejected_ids:
            assert where is None, number
            continue
        assert where == tenant_of(record), (number, where)
        company = record["company"]
        contact = contacts[document["Contact"]["ContactID"]]
        assert (
            contact.get("ContactNumber") == f"AT-{company['id']}"
            or (company.get("companyNumber") and contact.get("AccountNumber") == company["companyNumber"])
            or contact["Name"].casefold() == company["companyName"].casefold()
        ), (number, contact["Name"], company["companyName"])
        written += 1
    assert written > 100 and found["credit"], "invoices and credit notes must both be written"
    pos = records_of(source, "purchase_orders")
    po_found: dict[str, str] = {}
    for tenant in (UK, AU, US):
        for po in reader.all(tenant, "PurchaseOrders"):
            po_found[po["PurchaseOrderNumber"]] = tenant
    matched = 0
    for po in pos:
        number = str(po.get("purchaseOrderNumber") or po["id"])
        if number in po_found:
            assert po_found[number] == tenant_of(po, "vendor"), number
            matched += 1
    assert matched >= len(pos) - 2 > 0, (matched, len(pos), sorted(po_found)[:5])
    skus = {p["sku"] for p in records_of(source, "products") if p.get("sku")}
    codes = {i["Code"] for t in (UK, AU, US) for i in reader.all(t, "Items", paged=False)}
    assert skus & codes, "products on invoice lines must become Xero items"


@pytest.fixture
def demo_config(tmp_path: Path) -> Iterator[dict[str, Any]]:
    info = {
        "autotask": {
            "username": "u",
            "secret": "s",
            "integration_code": "i",
            "zone_lookup_url": "http://127.0.0.1:9/zoneInformation",
        },
        "xero": {
            "api_url": "http://127.0.0.1:9/api.xro/2.0",
            "identity_url": "http://127.0.0.1:9",
            "client_id": "cid",
            "client_secret": "csecret-value",
            "refresh_token": "rt-value-123",
            "tenants": [{"tenant_id": f"t-{n}", "name": n} for n in (UK, AU, US)],
        },
    }
    yield destination_config(info, tmp_path)


# ---- the generated schema ---------------------------------------------------------------------------
def _secret_paths(node: Any, path: str, key: str) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        if node.get(key) is True:
            found.add(path)
        for name, child in node.items():
            found |= _secret_paths(child, f"{path}/{name}", key)
    elif isinstance(node, list):
        for index, child in enumerate(node):
            found |= _secret_paths(child, f"{path}/{index}", key)
    return found


def test_both_schemas_mark_exactly_the_same_secrets() -> None:
    airbyte = _secret_paths(airbyte_connection_specification(), "", "airbyte_secret")
    singer = _secret_paths(singer_config_jsonschema(), "", "secret")
    assert airbyte == singer
    assert airbyte == {
        "/properties/auth/oneOf/0/properties/client_secret",
        "/properties/auth/oneOf/1/properties/client_secret",
        "/properties/auth/oneOf/1/properties/refresh_token",
    }


def test_airbyte_spec_passes_the_cdk_secret_lint_and_is_grouped() -> None:
    lint = pytest.importorskip("airbyte_cdk.test.standard_tests._spec_lint")
    spec = airbyte_connection_specification()
    assert lint.find_secret_marking_errors(spec) == []
    groups = {g["id"] for g in spec["groups"]}
    for name, prop in spec["properties"].items():
        assert prop["group"] in groups, name
        assert isinstance(prop["order"], int), name
    orders = [p["order"] for p in spec["properties"].values()]
    assert len(set(orders)) == len(orders)


def test_a_valid_config_passes_the_schema_and_the_model(demo_config: dict[str, Any]) -> None:
    import jsonschema

    for schema in (airbyte_connection_specification(), singer_config_jsonschema()):
        jsonschema.Draft7Validator.check_schema(schema)
        jsonschema.validate(demo_config, schema)
    assert load_config(demo_config).tenants[0].name == UK


@pytest.mark.parametrize(
    ("path", "bad"),
    [
        (("mappings", "status", "invoice"), "PAID"),
        (("mappings", "rounding", "tolerance"), True),
        (("auth", "type"), "password"),
        (("split_policy",), "merge"),
        (("mappings", "accounts", "typo_key"), {}),
        (("xero", "api_urll"), "http://x"),
    ],
)
def test_schema_and_model_refuse_the_same_bad_values(
    demo_config: dict[str, Any], path: tuple[str, ...], bad: Any
) -> None:
    import jsonschema

    node = demo_config
    for key in path[:-1]:
        node = node.setdefault(key, {})
    node[path[-1]] = bad
    for schema in (airbyte_connection_specification(), singer_config_jsonschema()):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(demo_config, schema)
    with pytest.raises(ValueError):
        load_config(demo_config)


def test_config_keys_are_what_load_config_reads(demo_config: dict[str, Any]) -> None:
    assert set(demo_config) <= CONFIG_KEYS
    assert {"auth", "tenants", "mappings", "mapping_file", "xero"} <= CONFIG_KEYS
