"""Is a model archive fit to answer citizens? Checked before it is deployed.

1. It is a Rasa model archive (a tar.gz with Rasa's metadata.json).
2. It loads, in this process, as the Rasa server would load it.
3. The test stories (tests/stories/) predict without an error, as
   `rasa test core --fail-on-prediction-errors` in `make test`.
4. The held-out NLU sets pass the gate of `make test` (nlu/quality_gate.py):
   German floors and the committed baseline, English floors.

Rasa's evaluation functions, on the loaded agent: the model is loaded once for
all of it (about 12 s on two cores, `rasa test` twice would load it twice).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import os
import tarfile
import tempfile
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

from core.settings import PROJECT_ROOT

STORIES = PROJECT_ROOT / "tests" / "stories"
HELD_OUT = PROJECT_ROOT / "tests" / "nlu" / "test_set.yml"
HELD_OUT_EN = PROJECT_ROOT / "tests" / "nlu" / "test_set_en.yml"
BASELINE = PROJECT_ROOT / "tests" / "nlu" / "baseline.json"
METADATA = "metadata.json"


def archive_problems(path: Path) -> list[str]:
    """What makes `path` no Rasa model archive; cheap, reads only the index."""
    if not path.is_file():
        return [f"{path} is not a file"]
    try:
        with tarfile.open(path, "r:gz") as archive:
            names = archive.getnames()
    except (tarfile.TarError, OSError, EOFError) as error:
        return [f"{path} is not a Rasa model archive ({error})"]
    if METADATA not in names:
        return [f"{path} is not a Rasa model archive (no {METADATA})"]
    return []


def model_problems(path: Path, say=print) -> list[str]:
    """Everything that keeps the model at `path` from being deployed; [] if fit."""
    problems = archive_problems(path)
    if problems:
        return problems
    missing = [p for p in (STORIES, HELD_OUT, HELD_OUT_EN) if not p.exists()]
    if missing:
        return [f"the checks need {', '.join(map(str, missing))} (a project checkout)"]
    began = time.monotonic()
    with _quiet_rasa(), _in_project():
        from rasa.core.agent import Agent

        try:
            agent = Agent.load(model_path=str(path))
        except Exception as error:
            return [f"the model does not load: {type(error).__name__}: {error}"]
        if not agent.is_ready():
            return ["the model does not load (Rasa's agent is not ready)"]
        say(f"  loads ({time.monotonic() - began:.1f} s)")
        problems = asyncio.run(_evaluate(agent, say))
    say(f"  checks done in {time.monotonic() - began:.1f} s")
    return problems


async def _evaluate(agent, say) -> list[str]:
    from rasa.core.test import WrongPredictionException
    from rasa.core.test import test as test_stories
    from rasa.nlu.test import run_evaluation

    from nlu.quality_gate import english_failures, gate_failures, read_json, summarize

    with tempfile.TemporaryDirectory() as out:
        try:
            result = await test_stories(
                str(STORIES), agent, out_directory=out, disable_plotting=True,
                fail_on_prediction_errors=True,
            )  # fmt: skip
        except WrongPredictionException as error:
            return [f"a test story fails: {str(error).strip()[:2000]}"]
        say(f"  test stories: action accuracy {result['accuracy']:.3f}")
        figures = {}
        for name, test_set in (("de", HELD_OUT), ("en", HELD_OUT_EN)):
            report = Path(out) / name
            await run_evaluation(
                str(test_set), agent.processor, output_directory=str(report),
                disable_plotting=True, report_as_dict=True,
            )  # fmt: skip
            figures[name] = summarize(report)
    baseline = read_json(BASELINE) if BASELINE.is_file() else {}
    german, english = figures["de"], figures["en"]
    say(
        f"  NLU held-out: intent macro F1 {german['intent_macro_f1']:.3f}, "
        f"entity F1 {german['entity_f1']:.3f}, out-of-scope recall "
        f"{german['oos_recall']:.3f}; English intent accuracy "
        f"{english['intent_accuracy']:.3f}"
    )
    return gate_failures(german, baseline) + english_failures(english)


@contextlib.contextmanager
def _in_project() -> Iterator[None]:
    """config.yml names the spaCy pipeline and the content by relative paths,
    which the Rasa server resolves in the project folder: so do the checks."""
    before = Path.cwd()
    os.chdir(PROJECT_ROOT)
    try:
        yield
    finally:
        os.chdir(before)


@contextlib.contextmanager
def _quiet_rasa() -> Iterator[None]:
    """Rasa's evaluation logs every parse and draws progress bars; the
    operator needs the figures and the failures (returned, not printed)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before TensorFlow loads
    # Libraries add filters of their own on import; captured warnings (core/logs.py)
    # go to py.warnings, the rest to sys.stderr with the progress bars.
    quieted = {"rasa": logging.WARNING, "py.warnings": logging.ERROR}
    levels = {name: logging.getLogger(name).level for name in quieted}
    with warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()):
        warnings.simplefilter("ignore")
        for name, level in quieted.items():
            logging.getLogger(name).setLevel(level)
        from rasa.utils.log_utils import configure_structlog

        configure_structlog(logging.WARNING)
        try:
            yield
        finally:
            for name, level in levels.items():
                logging.getLogger(name).setLevel(level)
