"""Where the project keeps things: the SQL folder, the bundled sample, default outputs."""
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent
QUERIES_DIR = PROJECT_DIR / "queries"
SAMPLE_DIR = PACKAGE_DIR / "sample_data"
OUTPUT_DIR = Path("output")
DEFAULT_DB = OUTPUT_DIR / "repaudit.duckdb"
