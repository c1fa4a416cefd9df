"""Prior-art search: patent import, the Whoosh index, the query language and more-like-this search."""

from .importers import COLUMNS, ImportedRecord, ImportFailure, iter_records
from .index import delete_collection, delete_record, index_records, open_or_create, rebuild
from .query import Hit, QuerySyntaxError, SearchResult, parse_query, search
from .records import Citation, Claim, PatentRecord, normalise_number, number_variants
from .similar import similar

__all__ = [
    "COLUMNS", "Citation", "Claim", "Hit", "ImportFailure", "ImportedRecord", "PatentRecord", "QuerySyntaxError",
    "SearchResult", "delete_collection", "delete_record", "index_records", "iter_records", "normalise_number",
    "number_variants", "open_or_create", "parse_query", "rebuild", "search", "similar",
]
