"""Search benchmark: synthetic German corpus, engine/API/Wagtail-baseline latencies (``make bench``)."""
