"""Fuzz the parsers of untrusted input: ``python tests/fuzz/run.py [TARGET] [options]``.

TARGET is ``checksums``, ``extract``, ``bundle`` (a stored attestation bundle), ``signature``
(a bundle or ``.sig`` checked with a key), ``keyless`` (a bundle told keyless or not),
``statement`` (an attestation's in-toto statement), ``listing`` (GitHub's attestations answer)
``record`` (``release.json``) or ``executable`` (a binary's headers); default: all. The corpus in
``corpus/<target>/`` is replayed first; then new inputs are generated, by atheris
(coverage-guided; ``pip install atheris``; ``--atheris``) or by Hypothesis (``--examples N``,
default 20000), mutating and building inputs. A failure prints the input and exits 1; with
atheris, crashes are saved as files you can add to the corpus.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import conftest  # noqa: E402,F401  (makes wrapper/ importable as cerebrium_cli)

from fuzz import targets  # noqa: E402

TARGETS = {
    "checksums": targets.checksums,
    "extract": targets.extract,
    "bundle": targets.bundle,
    "signature": targets.signature,
    "keyless": targets.keyless,
    "statement": targets.statement,
    "listing": targets.listing,
    "record": targets.record,
    "executable": targets.executable,
}


def replay(name: str) -> int:
    count = 0
    for path in sorted((HERE / "corpus" / name).iterdir()):
        TARGETS[name](path.read_bytes())
        count += 1
    return count


def with_hypothesis(name: str, examples: int) -> None:
    from hypothesis import HealthCheck, given, settings

    from fuzz.strategies import inputs

    @settings(
        max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck), database=None
    )
    @given(inputs(name))
    def run(data: bytes) -> None:
        TARGETS[name](data)

    run()


def with_atheris(name: str, argv: list[str]) -> None:
    import atheris  # type: ignore[import-untyped]  # atheris ships no types and has no stubs

    atheris.Setup([sys.argv[0], str(HERE / "corpus" / name), *argv], TARGETS[name])
    atheris.Fuzz()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("target", nargs="?", choices=sorted(TARGETS), help="default: all")
    parser.add_argument(
        "--examples", type=int, default=20_000, help="Hypothesis examples per target"
    )
    parser.add_argument(
        "--atheris", action="store_true", help="coverage-guided fuzzing with atheris"
    )
    args, rest = parser.parse_known_args()
    for name in [args.target] if args.target else sorted(TARGETS):
        print(f"{name}: replayed {replay(name)} corpus inputs", flush=True)
        if args.atheris:
            with_atheris(name, rest)
        else:
            with_hypothesis(name, args.examples)
            print(f"{name}: {args.examples} generated inputs, no failure", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
