"""Schemathesis against the service's own OpenAPI schema (bounded examples): no 500, and
every response with a declared schema conforms to it."""

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from unggulan.api.deps import DatasetHolder
from unggulan.api.main import create_app
from unggulan.base.settings import Settings

# no rate limit here: the schema run calls the expensive endpoints many times on purpose
app = create_app(Settings(rate_limit_per_minute=0))
app.state.settings = Settings(rate_limit_per_minute=0)
app.state.holder = DatasetHolder(Settings().data_dir())
schema = schemathesis.openapi.from_asgi("/openapi.json", app)


@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck),
          derandomize=True)
def test_no_server_error_and_responses_match_the_schema(case):
    case.call_and_validate(checks=[not_a_server_error, response_schema_conformance])
