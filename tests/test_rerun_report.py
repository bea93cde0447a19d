from tests.support.rerun_report import rerun_reason

PLAYWRIGHT_FAILURE = """\
app = <AppPage>

    def test_guest_lookup_with_right_and_wrong_email(app: AppPage) -> None:
>       app.expect_text(message)

tests/e2e/test_orders_journeys.py:170: 
_ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _

>       expect(locator).to_be_visible(timeout=timeout_ms)
E       AssertionError: Locator expected to be visible
E       Actual value: None
E       Error: element(s) not found 
E       Call log:
E         - Expect "to_be_visible" with timeout 15000ms
E         - waiting for get_by_text("Wir haben diese Bestellung nicht gefunden").first

tests/e2e/conftest.py:337: AssertionError
"""


def test_a_playwright_failure_names_the_locator_and_the_step_of_the_test() -> None:
    assert rerun_reason(PLAYWRIGHT_FAILURE) == (
        "AssertionError: Locator expected to be visible; "
        'waiting for get_by_text("Wir haben diese Bestellung nicht gefunden").first; '
        "tests/e2e/test_orders_journeys.py:170, tests/e2e/conftest.py:337")


def test_a_plain_assertion_in_a_test_names_its_line_once() -> None:
    text = "    def test_x():\n>       assert 1 == 2\nE       assert 1 == 2\n\ntests/app/test_x.py:2: AssertionError\n"
    assert rerun_reason(text) == "assert 1 == 2; tests/app/test_x.py:2"


def test_a_failure_without_error_lines_falls_back_to_its_last_line() -> None:
    assert rerun_reason("Timeout (0:05:00)!") == "Timeout (0:05:00)!"
    assert rerun_reason("") == "no message"
