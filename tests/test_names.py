"""Names found forgivingly (repaudit.names): codes, any case, unique starts of names, and the closest
names on a miss; on the scope filters of an audit and on the real national warehouse."""
import pytest

from repaudit.auditing import scope
from repaudit.cli import cli
from repaudit.errors import RepauditError
from repaudit.names import Choice, closest, find
from repaudit.warehouse import Warehouse

LAS = [Choice("846", "Brighton and Hove", ("E06000043",)), Choice("841", "Darlington", ("E06000005",)),
       Choice("810", "Kingston upon Hull, City of", ()), Choice("314", "Kingston upon Thames", ()),
       Choice("886", "Kent", ("E10000016",)), Choice("938", "West Sussex", ()),
       Choice("936", "Surrey", ()), Choice("845", "East Sussex", ())]


@pytest.mark.parametrize("text, code", [
    ("Brighton and Hove", "846"), ("brighton and hove", "846"), ("  BRIGHTON   AND hove ", "846"),
    ("846", "846"), ("e06000043", "846"), ("brighton", "846"), ("Kingston upon T", "314"),
    ("kent", "886"), ("hull", "810"), ("west", "938"), ("Sur", "936")])
def test_a_code_a_name_in_any_case_or_a_unique_start_finds_one(text, code):
    assert find(text, LAS, "local authority").code == code


def test_an_exact_name_wins_over_longer_names_that_start_with_it():
    both = [Choice("1", "Kent"), Choice("2", "Kent Academies Trust")]
    assert find("kent", both, "trust").code == "1"
    assert find("kent a", both, "trust").code == "2"


@pytest.mark.parametrize("text, listed", [("kingston", ["Kingston upon Hull, City of (810)", "Kingston upon Thames (314)"]),
                                          ("sussex", ["East Sussex (845)", "West Sussex (938)"])])
def test_an_ambiguous_name_lists_what_it_matches(text, listed):
    with pytest.raises(RepauditError) as err:
        find(text, LAS, "local authority", "la")
    message = str(err.value)
    assert message.startswith(f"--la '{text}' matches 2 local authority names: ")
    assert all(name in message for name in listed) and "give more of the name, or its code" in message


def test_a_miss_suggests_the_five_closest_names_with_their_codes():
    with pytest.raises(RepauditError) as err:
        find("Brigton", LAS, "local authority", "la")
    message = str(err.value)
    assert message.startswith("no local authority matches --la 'Brigton': did you mean Brighton and Hove (846), ")
    assert message.count("(") == 5


def test_closest_ranks_by_similarity():
    assert closest("Darlingtn", LAS, 1)[0].name == "Darlington"
    assert closest("Surey", LAS, 1)[0].name == "Surrey"


def test_an_empty_value_is_an_error():
    with pytest.raises(RepauditError, match="--la needs a local authority name or code"):
        find("  ", LAS, "local authority", "la")


def test_audit_filters_find_names_forgivingly(sample_db, runner, tmp_path):
    with Warehouse(sample_db, read_only=True) as wh:
        scope.prepare(wh.con)
        schools = scope.select(wh.con)
        la_code, la_name = schools[["la", "la_name"]].iloc[0]
        by_code = scope.select(wh.con, la=la_code)
        assert scope.select(wh.con, la=la_name.upper()).equals(by_code)
        if sum(n.lower().startswith(la_name[:5].lower()) for n in set(schools["la_name"])) == 1:
            assert scope.select(wh.con, la=la_name[:5].lower()).equals(by_code)
        assert set(by_code["la"]) == {la_code}
    res = runner.invoke(cli, ["audit", "--db", str(sample_db), "--la", la_name[:-1] + "x", "--out", str(tmp_path / "o")])
    assert res.exit_code == 1
    assert f"no school matches --la '{la_name[:-1]}x': did you mean {la_name} ({la_code})" in res.output


def test_real_names_resolve_or_suggest(national_db):
    with Warehouse(national_db, read_only=True) as wh:
        scope.prepare(wh.con)
        brighton = scope.select(wh.con, la="brighton")
        assert set(brighton["la_name"]) == {"Brighton and Hove"} and set(brighton["la"]) == {"846"}
        assert scope.select(wh.con, la="E06000043")["urn"].tolist() == brighton["urn"].tolist()
        with pytest.raises(RepauditError, match=r"did you mean Brighton and Hove \(846\)"):
            scope.select(wh.con, la="brigton")
        with pytest.raises(RepauditError, match=r"--trust 'king edward' matches \d+ trust names: .*KING EDWARD VI"):
            scope.select(wh.con, trust="king edward")
        london = scope.select(wh.con, region="london")
        assert set(london["region"]) == {"London"} and len(london) > 3000


@pytest.mark.parametrize("raw, shown", [
    ("KING EDWARD VI ACADEMY TRUST BIRMINGHAM", "King Edward VI Academy Trust Birmingham"),
    ("OUR LADY OF LOURDES CATHOLIC MULTI-ACADEMY TRUST", "Our Lady of Lourdes Catholic Multi-Academy Trust"),
    ("ST MARY'S CE PRIMARY SCHOOL", "St Mary's CE Primary School"), ("SUTTON-IN-ASHFIELD TRUST", "Sutton-in-Ashfield Trust"),
    ("THE KING'S SCHOOL", "The King's School"), ("Varndean School", "Varndean School"),
    ("LA maintained: Kent", "LA maintained: Kent"), ("<SCRIPT>ALERT(1)</SCRIPT>", "<script>alert(1)</script>"),
    (None, ""), ("1234", "1234")])
def test_names_in_capitals_are_shown_in_title_case_and_others_as_written(raw, shown):
    from repaudit.plain import name_case
    assert name_case(raw) == shown


@pytest.mark.parametrize("text, hit", [("brighton", True), ("BRIGHTON AND HOVE", True), ("e06000043", True),
                                       ("ton", True), ("brightonx", False), ("zzz", False)])
def test_names_any_is_true_exactly_when_find_does_not_say_no_match(text, hit):
    assert find_says_no_match(text) is not hit
    from repaudit.names import names_any
    assert names_any(text, LAS) is hit


def find_says_no_match(text) -> bool:
    try:
        find(text, LAS, "local authority", "la")
    except RepauditError as exc:
        return "no local authority matches" in str(exc)
    return False


def test_a_mistyped_la_is_refused_before_the_audit_builds_its_school_table(sample_db):
    """The quick check answers from the GIAS and census LAs, with the same closest names as the full look-up,
    and leaves audit_schools unbuilt; a name that matches passes it."""
    with Warehouse(sample_db, read_only=True) as wh:
        with pytest.raises(RepauditError, match=r"no school matches --la 'sampleshirx': did you mean Sampleshire "
                                                r"\(synthetic\) \(990\)\?"):
            scope.check_la_name(wh.con, "sampleshirx")
        tables = {t for (t,) in wh.con.execute("select table_name from duckdb_tables()").fetchall()}
        assert "audit_schools" not in tables
        scope.check_la_name(wh.con, "samplesh")
        scope.check_la_name(wh.con, None)
        scope.prepare(wh.con)
        with pytest.raises(RepauditError) as full:
            scope.select(wh.con, la="sampleshirx")
    with Warehouse(sample_db, read_only=True) as wh, pytest.raises(RepauditError) as quick:
        scope.check_la_name(wh.con, "sampleshirx")
    assert str(quick.value) == str(full.value)
