"""docs/monitoring/: the Grafana dashboard and the Prometheus rules use only
metrics the code defines, with their labels, and are complete enough to act on.

A renamed metric in core/metrics.py or bot/shared/probes.py must not leave a
dashboard panel empty or an alert that can never fire: this test fails first.
Where promtool is on PATH, it also checks the rules and runs their unit tests
(docs/monitoring/alerts_test.yml).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from functools import cache

import pytest
import yaml
from prometheus_client import REGISTRY
from prometheus_client.metrics import MetricWrapperBase

from actions.db.operations import Snapshot
from bot.shared.health import Readiness
from bot.shared.probes import HostState
from core import metrics
from core.settings import PROJECT_ROOT

MONITORING = PROJECT_ROOT / "docs" / "monitoring"
DASHBOARD = MONITORING / "grafana-dashboard.json"
ALERTS = MONITORING / "alerts.yml"
ALERTS_TEST = MONITORING / "alerts_test.yml"
PROMETHEUS = MONITORING / "prometheus.yml"

DATASOURCE = "${DS_PROMETHEUS}"
SEVERITIES = {"critical", "warning"}
# Sample names of each metric type in the text exposition (prometheus-client's
# multiprocess mode: counters with _total, histograms in three parts).
SUFFIXES = {
    "counter": ("_total",),
    "histogram": ("_bucket", "_sum", "_count"),
    "gauge": ("",),
}
# Labels Prometheus adds to every sample it scrapes.
TARGET_LABELS = {"job", "instance"}
METRIC_NAME = re.compile(r"\bsmartcity_[a-zA-Z0-9_]*[a-zA-Z0-9]")
SELECTOR = re.compile(r"\b(smartcity_[a-zA-Z0-9_]*[a-zA-Z0-9])\s*\{([^}]*)\}")
# Prometheus' own series: whether it reached the target.
SCRAPED = re.compile(r"\bup\{")
MATCHER = re.compile(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)")


# --- what the code defines ---------------------------------------------------


def _host_state() -> HostState:
    """HostState with every gauge present: some waiting work, all checks."""
    snapshot = Snapshot(
        suggestions={"eingegangen": 2},
        notifications={("telegram", "waiting"): 1, ("email", "failed"): 1},
        oldest_notification={"telegram": 60.0},
        live_waiting=1,
        oldest_live_chat=30.0,
    )
    readiness = Readiness({"rasa": True, "actions": True, "database": True,
                           "redis": False})  # fmt: skip
    return HostState(snapshot, readiness, shutil.disk_usage("."))


@cache
def defined() -> dict[str, set[str] | None]:
    """Every sample name the assistant exposes, with the labels it carries
    (None: a metric from elsewhere than core.metrics, labels unknown)."""
    labels_of = {
        m._name: set(m._labelnames)
        for m in vars(metrics).values()
        if isinstance(m, MetricWrapperBase)
    }
    names: dict[str, set[str] | None] = {}
    for family in REGISTRY.collect():
        if not family.name.startswith("smartcity_"):
            continue
        assert family.type in SUFFIXES, (family.name, family.type)
        labels = labels_of.get(family.name)
        for suffix in SUFFIXES[family.type]:
            bound = {"le"} if suffix == "_bucket" else set()
            names[family.name + suffix] = None if labels is None else labels | bound
    for family in _host_state().collect():
        names[family.name] = {key for s in family.samples for key in s.labels}
    return names


def test_the_code_defines_what_this_test_expects():
    """Guards the test itself: both sources are read, with their labels."""
    names = defined()
    assert names["smartcity_messages_total"] == {"channel"}
    assert names["smartcity_turn_seconds_bucket"] == {"le"}
    assert names["smartcity_notifications"] == {"channel", "state"}
    assert names["smartcity_ready"] == {"check"}
    assert "smartcity_disk_free_bytes" in names
    assert "smartcity_messages" not in names  # a counter only with _total


# --- what the docs use -------------------------------------------------------


def _panels(panels: list[dict]) -> Iterator[dict]:
    for panel in panels:
        yield panel
        yield from _panels(panel.get("panels", []))  # a collapsed row's


@cache
def dashboard() -> dict:
    return json.loads(DASHBOARD.read_text(encoding="utf-8"))


@cache
def alert_rules() -> list[dict]:
    groups = yaml.safe_load(ALERTS.read_text(encoding="utf-8"))["groups"]
    return [rule for group in groups for rule in group["rules"]]


def dashboard_expressions() -> list[tuple[str, str]]:
    found = []
    for panel in _panels(dashboard()["panels"]):
        for target in panel.get("targets", []):
            where = f"panel {panel.get('title')!r} {target.get('refId', '')}"
            found.append((where.strip(), target["expr"]))
    for variable in dashboard()["templating"]["list"]:
        query = variable.get("query")
        if isinstance(query, dict):
            query = query.get("query")
        if variable["type"] == "query":
            found.append((f"variable {variable['name']!r}", query))
    return found


def rule_expressions() -> list[tuple[str, str]]:
    return [(f"alert {r.get('alert') or r.get('record')!r}", r["expr"])
            for r in alert_rules()]  # fmt: skip


def unknown_metrics(expression: str) -> set[str]:
    return set(METRIC_NAME.findall(expression)) - set(defined())


def unknown_labels(expression: str) -> set[str]:
    """`name{label=...}` with a label the metric does not have."""
    wrong = set()
    for name, matchers in SELECTOR.findall(expression):
        labels = defined().get(name)
        if labels is None:  # unknown metric (unknown_metrics says so)
            continue
        for label in MATCHER.findall(matchers):
            if label not in labels | TARGET_LABELS:
                wrong.add(f"{name}{{{label}}}")
    return wrong


def test_the_checks_catch_a_wrong_name_or_label():
    assert unknown_metrics('rate(smartcity_mesages_total{channel="web"}[5m])') == {
        "smartcity_mesages_total"
    }
    assert unknown_metrics("smartcity_messages") == {"smartcity_messages"}
    assert unknown_metrics("smartcity_turn_seconds_total") == {
        "smartcity_turn_seconds_total"
    }
    assert unknown_labels('smartcity_notifications{status="waiting"}') == {
        "smartcity_notifications{status}"
    }
    assert not unknown_labels('smartcity_ready{check="rasa", instance=~"$i"}')


@pytest.mark.parametrize(
    "where, expression",
    [pytest.param(w, e, id=w) for w, e in dashboard_expressions() + rule_expressions()],
)
def test_every_metric_in_the_docs_exists(where, expression):
    assert METRIC_NAME.search(expression) or SCRAPED.search(expression), where
    assert not unknown_metrics(expression), f"{where}: no such metric"
    assert not unknown_labels(expression), f"{where}: no such label"


def test_every_metric_has_a_panel_or_an_alert():
    """The converse: a new metric in the code deserves a panel (or a rule)."""
    used = set()
    for _, expression in dashboard_expressions() + rule_expressions():
        used |= set(METRIC_NAME.findall(expression))
    families = {re.sub(r"_(total|bucket|sum|count)$", "", n) for n in defined()}
    shown = {re.sub(r"_(total|bucket|sum|count)$", "", n) for n in used}
    assert families - shown == set()


# --- the dashboard -----------------------------------------------------------


def _datasources(node) -> Iterator[dict]:
    if isinstance(node, dict):
        if isinstance(node.get("datasource"), dict):
            yield node["datasource"]
        elif "datasource" in node and node["datasource"] is not None:
            yield {"uid": node["datasource"]}
        for value in node.values():
            yield from _datasources(value)
    elif isinstance(node, list):
        for value in node:
            yield from _datasources(value)


def test_the_dashboard_names_no_datasource_of_its_own():
    board = dashboard()
    assert board["schemaVersion"] >= 36
    variables = {v["name"]: v for v in board["templating"]["list"]}
    assert variables["DS_PROMETHEUS"]["type"] == "datasource"
    assert variables["DS_PROMETHEUS"]["query"] == "prometheus"
    assert variables["instance"]["type"] == "query"
    uids = {d.get("uid") for d in _datasources(board)}
    # Grafana's own annotations aside, every query goes to the chosen Prometheus.
    assert uids - {"-- Grafana --"} == {DATASOURCE}
    assert board.get("id") is None  # an id from one Grafana breaks the import


def test_every_panel_has_a_title_and_queries():
    ids = []
    for panel in _panels(dashboard()["panels"]):
        assert panel.get("title", "").strip(), panel
        ids.append(panel["id"])
        if panel["type"] != "row":
            assert panel["targets"], panel["title"]
            assert panel["fieldConfig"]["defaults"].get("unit"), panel["title"]
            for target in panel["targets"]:
                assert 'instance=~"$instance"' in target["expr"], panel["title"]
        grid = panel["gridPos"]
        assert grid["x"] + grid["w"] <= 24, panel["title"]
    assert len(ids) == len(set(ids))


# --- the rules ---------------------------------------------------------------


def test_every_alert_says_how_urgent_and_what_to_do():
    alerts = [rule for rule in alert_rules() if "alert" in rule]
    for rule in alerts:
        name = rule["alert"]
        assert "for" in rule, name
        assert rule.get("labels", {}).get("severity") in SEVERITIES, name
        annotations = rule.get("annotations", {})
        assert annotations.get("summary"), name
        assert annotations.get("description"), name
    names = {rule["alert"] for rule in alerts}
    assert {
        "AssistantNotAnswering", "HighFallbackRate", "NotificationsStuck",
        "DatabaseUnreachable", "RedisUnreachable", "ActionServerDown",
        "DiskAlmostFull", "DiskFillingUp", "ProcessRestarting",
        "LiveChatWaitingLong", "TargetDown",
    } <= names  # fmt: skip


def test_the_example_scrape_config_matches_the_rules():
    config = yaml.safe_load(PROMETHEUS.read_text(encoding="utf-8"))
    assert config["rule_files"] == [ALERTS.name]
    (job,) = config["scrape_configs"]
    assert job["metrics_path"] == "/metrics"
    (target_down,) = [r for r in alert_rules() if r.get("alert") == "TargetDown"]
    assert f'job="{job["job_name"]}"' in target_down["expr"]


def test_news_on_the_web_channel_do_not_alert():
    """A web notification waits until the citizen opens the widget again."""
    for rule in alert_rules():
        if "smartcity_notification" in rule["expr"]:
            assert 'channel=~"telegram|email"' in rule["expr"], rule["alert"]


# --- promtool, where installed -----------------------------------------------

PROMTOOL = shutil.which("promtool")


@pytest.mark.skipif(PROMTOOL is None, reason="promtool is not installed")
@pytest.mark.parametrize(
    "command",
    [
        ["check", "rules", ALERTS.name],
        ["check", "config", PROMETHEUS.name],
        ["test", "rules", ALERTS_TEST.name],
    ],
    ids=" ".join,
)
def test_promtool_accepts_the_rules(command):
    result = subprocess.run(
        [PROMTOOL, *command], cwd=MONITORING, capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
