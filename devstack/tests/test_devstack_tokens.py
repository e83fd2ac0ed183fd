import asyncio
import subprocess
import sys

import pytest

from village_devstack import demo
from village_devstack.testing import token
from village_platform.auth import Authenticator, KnownParties
from village_platform.settings import Settings

# The demo directory, as a service's Authenticator would read it (kinds come from there).
AUTH = Authenticator(Settings(), KnownParties({p.id: p.kind for p in demo.PARTIES}))


@pytest.mark.parametrize("party", [p.id for p in demo.PARTIES])
async def test_tokens_name_the_party_and_its_kind(party):
    principal = await AUTH.principal(token(party, "lead"))
    assert principal.party == party
    assert principal.kind == demo.PARTIES_BY_ID[party].kind
    assert principal.roles == {"lead"}


def test_unknown_party():
    with pytest.raises(demo.UnknownParty):
        token("initrode")


def test_cli_prints_exactly_one_token():
    done = subprocess.run(
        [sys.executable, "-m", "village_devstack.cli", "token", "contoso", "--role", "admin"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.count("\n") == 1
    principal = asyncio.run(AUTH.principal(done.stdout.strip()))
    assert (principal.party, principal.kind, principal.roles) == ("contoso", "partner", {"admin"})


def test_cli_rejects_unknown_party():
    done = subprocess.run(
        [sys.executable, "-m", "village_devstack.cli", "token", "initrode"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2 and done.stdout == "" and "initrode" in done.stderr
