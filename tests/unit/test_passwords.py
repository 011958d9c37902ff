from argon2 import extract_parameters

from mutualaid.passwords import Passwords
from mutualaid.settings import Settings


def test_default_parameters_are_owasp_argon2id():
    s = Settings.from_env({"MUTUALAID_ENV": "testing"})
    hashed = Passwords(s.password_time_cost, s.password_memory_kib).hash("a long passphrase")
    params = extract_parameters(hashed)
    assert hashed.startswith("$argon2id$")
    assert (params.memory_cost, params.time_cost, params.parallelism) == (19456, 2, 1)


def test_verify_accepts_the_right_password_only():
    pw = Passwords(1, 64)
    stored = pw.hash("right password")
    assert pw.verify(stored, "right password")
    assert not pw.verify(stored, "wrong password")
    assert not pw.verify(None, "right password")
    assert not pw.verify("not-a-hash", "right password")


def test_weaker_hashes_are_flagged_for_upgrade():
    weak = Passwords(1, 64).hash("pw")
    assert Passwords(2, 19456).needs_rehash(weak)
    assert not Passwords(1, 64).needs_rehash(weak)
