"""route_errors.json_errors: every failure of a route is a JSON `{"error": ...}` body (http_api.md).

The routes' own error cases run against a real TensorBoard in test_plugin_server.py and
test_fuzz_plugin.py; here each kind of failure is raised on purpose, including the unexpected one
no route should ever reach.
"""

from __future__ import annotations

import logging

import pytest
from tensorboard import errors
from werkzeug import test, wrappers

from tensorboard_exr import route_errors


def _answer(failure: Exception) -> test.TestResponse:
    def handler(request: wrappers.Request) -> wrappers.Response:
        raise failure

    return test.Client(route_errors.json_errors(handler)).get("/data/plugin/exr/x?run=a")


@pytest.mark.parametrize(
    ("failure", "status", "message"),
    [
        (errors.InvalidArgumentError("parameter 'step' is required"), 400, "parameter 'step' is required"),
        (errors.NotFoundError("run 'a', tag 't' has no step 3"), 404, "run 'a', tag 't' has no step 3"),
        (errors.PermissionDeniedError("no"), 403, "no"),
    ],
)
def test_public_errors_answer_their_status_and_the_message_as_raised(failure, status, message) -> None:
    response = _answer(failure)
    assert response.status_code == status
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json == {"error": message}  # without TensorBoard's "Not found: " in front


def test_an_unexpected_exception_is_a_500_with_no_details_and_is_logged(caplog) -> None:
    with caplog.at_level(logging.ERROR, logger=route_errors.__name__):
        response = _answer(KeyError("secret internal state"))
    assert response.status_code == 500
    assert response.json == {"error": "internal error in the EXR plugin (see the TensorBoard log)"}
    assert "secret" not in response.get_data(as_text=True)
    assert "secret internal state" in caplog.text and "/data/plugin/exr/x" in caplog.text


def test_a_handler_that_succeeds_is_answered_unchanged() -> None:
    def handler(request: wrappers.Request) -> wrappers.Response:
        return wrappers.Response(f"run={request.args['run']}", status=201)

    response = test.Client(route_errors.json_errors(handler)).get("/x?run=a")
    assert (response.status_code, response.get_data(as_text=True)) == (201, "run=a")
