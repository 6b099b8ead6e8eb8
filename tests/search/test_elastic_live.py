"""The shared engine contract against a real Elasticsearch server (9.x, as the pinned client).

Runs whenever ``ELASTICSEARCH_URL`` is set -- in CI that is how the production engine gets
tested. Without it the whole class is skipped with a reason that says so. With it, an
unreachable server is a failure, never a skip: a misconfigured CI must not pass green.

Every engine gets its own index prefix (``contract-<session id>-<n>``), so runs on a shared
cluster cannot see each other; everything the run created is deleted afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator

import pytest
from elasticsearch import ApiError, TransportError

from search.engines import DocumentsRejected, EngineUnavailable, Problem
from search.engines.elastic import ElasticsearchEngine
from tests.search.contract import EngineContract

ELASTICSEARCH_URL = os.environ.get("ELASTICSEARCH_URL", "").strip()
SKIP_REASON = "ELASTICSEARCH_URL not set: no Elasticsearch server in this environment"
SESSION_PREFIX = f"contract-{uuid.uuid4().hex[:10]}"

pytestmark = pytest.mark.skipif(not ELASTICSEARCH_URL, reason=SKIP_REASON)


def require_server(engine: ElasticsearchEngine) -> None:
    """Fail (not skip) when the configured server does not answer as Elasticsearch."""
    try:
        info = engine.client.info()
    except (TransportError, ApiError) as exc:
        pytest.fail(f"ELASTICSEARCH_URL={ELASTICSEARCH_URL!r} is set, but Elasticsearch is not reachable: {exc}")
    major = int(str(info["version"]["number"]).split(".")[0])
    # The pinned 9.x client supports Elasticsearch 9 (docs/search.md, "Betrieb").
    assert major == 9, f"unsupported Elasticsearch version {info['version']['number']} (client 9.x needs server 9.x)"


def remove_everything(engine: ElasticsearchEngine) -> None:
    """Delete the engine's indices (by name: wildcard deletes are refused by default) and template."""
    client = engine.client
    names = list(client.indices.get(index=engine.index_pattern, expand_wildcards="all", ignore_unavailable=True))
    if names:
        client.indices.delete(index=names)
    if client.indices.exists_index_template(name=engine.template_name):
        client.indices.delete_index_template(name=engine.template_name)


class TestElasticsearchContract(EngineContract):
    @pytest.fixture(scope="class")
    @classmethod
    def make_engine(cls) -> Iterator[Callable[[], ElasticsearchEngine]]:
        created: list[ElasticsearchEngine] = []

        def make() -> ElasticsearchEngine:
            engine = ElasticsearchEngine(url=ELASTICSEARCH_URL, index_prefix=f"{SESSION_PREFIX}-{len(created)}")
            created.append(engine)
            return engine

        # Checked before the demo content is built, so a wrong URL fails within seconds.
        require_server(make())

        yield make
        for engine in created:
            remove_everything(engine)

    def test_server_round_trip(self, engine):
        """The loaded engine reports the concrete index behind its alias, as the status command shows it."""
        stats = engine.stats()
        assert stats["alias"] == engine.alias
        assert stats["index"].startswith(f"{engine.alias}-")
        assert stats["documents"] > 0

    def test_the_alias_heals_from_a_concrete_index_under_its_name(self, scratch_engine, demo_documents):
        """A concrete index holding the alias's name: reported, never written into, replaced by a rebuild."""
        scratch_engine.client.indices.create(index=scratch_engine.alias)
        assert scratch_engine.health().problem is Problem.SHADOWED
        with pytest.raises(EngineUnavailable):
            scratch_engine.bulk(index=demo_documents[:1])
        assert scratch_engine.rebuild(demo_documents[:5]) == 5
        assert scratch_engine.replaced_index == scratch_engine.alias
        assert scratch_engine.client.indices.exists_alias(name=scratch_engine.alias)
        assert scratch_engine.health().documents == 5

    def test_a_vanished_alias_fails_writes_instead_of_creating_an_index(self, scratch_engine, demo_documents):
        scratch_engine.rebuild(demo_documents[:3])
        scratch_engine.client.indices.delete(index=scratch_engine.stats()["index"])
        scratch_engine._alias_ready = True  # as a long-running process would remember it
        with pytest.raises(EngineUnavailable):
            scratch_engine.bulk(index=demo_documents[3:4])
        assert not scratch_engine.client.indices.exists(index=scratch_engine.alias)

    def test_a_document_the_mapping_rejects_is_reported(self, scratch_engine, demo_documents):
        scratch_engine.rebuild(demo_documents[:3])
        broken = dict(demo_documents[3], population="viele")
        with pytest.raises(DocumentsRejected) as raised:
            scratch_engine.bulk(index=[broken, demo_documents[4]])
        assert list(raised.value.rejected) == [broken["id"]]
        assert scratch_engine.stats()["documents"] == 4
