"""--profile with a file of the wrong kind is a usage error (one line, exit 2), run in process."""

from facs_audit_addon.cli import main


def _run(capsys, *args):
    code = main(["audit", "rig.blend", *map(str, args)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_convention_file_given_as_profile_is_a_usage_error(tmp_path, capsys):
    convention = tmp_path / "some_convention.toml"
    convention.write_text('[convention]\nname = "studio"\ndefault_profile = "generic"\n[names]\nbigSmile = "AU12"\n')
    code, out, err = _run(capsys, "--profile", convention)
    assert code == 2 and out == ""
    assert err == (f"facs-audit: usage error: --profile {convention}: not a profile file: it holds a [convention] "
                   "(pass it with --rules) (see --help)\n")


def test_a_toml_file_of_no_known_kind_given_as_profile_is_a_usage_error(tmp_path, capsys):
    other = tmp_path / "thresholds.toml"
    other.write_text("empty_shape = 0.001\n")
    code, out, err = _run(capsys, "--profile", other)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "not a profile file: it holds no [profile] table" in err
