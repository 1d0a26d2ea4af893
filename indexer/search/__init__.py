"""Query -> `SearchRequest` -> the search result dict: parsing, in-memory evaluation, snapshots and
visibility, facets, snippets, suggestions, entities, exports."""
