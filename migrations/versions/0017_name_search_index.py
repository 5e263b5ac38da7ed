"""registry: an index of the words of residents' names (word prefixes), one per engine

PostgreSQL: a table of (word, name_search, beneficiary_id) whose primary key is a B-tree in
search order, filled by a trigger: a prefix search reads one index range in page order and
stops after a page, however common the word ("siti" among a million residents). A GIN
full-text index was measured first: it must fetch and sort every match (34 ms for 6,201
matches at 250,000 residents, growing with the registry).
SQLite: an FTS5 table over name_search (external content: the words only), kept by triggers.
sponsorship/beneficiaries/search.py queries both. Neither is in the models (they are
engine-specific); sponsorship.core.models.include_migration_name keeps autogenerate and the
drift check away from them.

Revision ID: 0017
Create Date: 2026-12-04 20:00:00.000000

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

# The triggers keep the FTS5 words equal to beneficiary.name_search on every insert, update and
# delete, whoever writes (ORM, Core bulk insert, a migration's UPDATE).
SQLITE_UP = (
    "CREATE VIRTUAL TABLE beneficiary_name_fts USING fts5("
    "name_search, content='beneficiary', content_rowid='id', prefix='2 3 4')",
    "INSERT INTO beneficiary_name_fts(rowid, name_search) SELECT id, name_search FROM beneficiary",
    "CREATE TRIGGER beneficiary_name_fts_insert AFTER INSERT ON beneficiary BEGIN "
    "INSERT INTO beneficiary_name_fts(rowid, name_search) VALUES (new.id, new.name_search); END",
    "CREATE TRIGGER beneficiary_name_fts_delete AFTER DELETE ON beneficiary BEGIN "
    "INSERT INTO beneficiary_name_fts(beneficiary_name_fts, rowid, name_search) "
    "VALUES ('delete', old.id, old.name_search); END",
    "CREATE TRIGGER beneficiary_name_fts_update AFTER UPDATE OF name_search ON beneficiary BEGIN "
    "INSERT INTO beneficiary_name_fts(beneficiary_name_fts, rowid, name_search) "
    "VALUES ('delete', old.id, old.name_search); "
    "INSERT INTO beneficiary_name_fts(rowid, name_search) VALUES (new.id, new.name_search); END",
)
SQLITE_DOWN = (
    "DROP TRIGGER IF EXISTS beneficiary_name_fts_update",
    "DROP TRIGGER IF EXISTS beneficiary_name_fts_delete",
    "DROP TRIGGER IF EXISTS beneficiary_name_fts_insert",
    "DROP TABLE IF EXISTS beneficiary_name_fts",
)
# Words hold only [a-z0-9] (name_search is normalised); the "C" collation makes a prefix a
# plain byte range. ON DELETE CASCADE: deleting a resident deletes its words.
PG_UP = (
    'CREATE TABLE beneficiary_name_word ('
    'word text COLLATE "C" NOT NULL, name_search text COLLATE "C" NOT NULL, '
    'beneficiary_id integer NOT NULL REFERENCES beneficiary(id) ON DELETE CASCADE, '
    'CONSTRAINT pk_beneficiary_name_word PRIMARY KEY (word, name_search, beneficiary_id))',
    "CREATE INDEX ix_beneficiary_name_word_beneficiary ON beneficiary_name_word (beneficiary_id)",
    """CREATE FUNCTION beneficiary_name_words() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'UPDATE' THEN
        IF NEW.name_search IS NOT DISTINCT FROM OLD.name_search THEN RETURN NEW; END IF;
        DELETE FROM beneficiary_name_word WHERE beneficiary_id = OLD.id;
      END IF;
      INSERT INTO beneficiary_name_word (word, name_search, beneficiary_id)
        SELECT DISTINCT w, NEW.name_search, NEW.id
        FROM regexp_split_to_table(NEW.name_search, '[^a-z0-9]+') AS w WHERE w <> '';
      RETURN NEW;
    END $$""",
    "CREATE TRIGGER beneficiary_name_words AFTER INSERT OR UPDATE OF name_search ON beneficiary "
    "FOR EACH ROW EXECUTE FUNCTION beneficiary_name_words()",
    "INSERT INTO beneficiary_name_word (word, name_search, beneficiary_id) "
    "SELECT DISTINCT w, b.name_search, b.id FROM beneficiary b, "
    "regexp_split_to_table(b.name_search, '[^a-z0-9]+') AS w WHERE w <> ''",
)
PG_DOWN = (
    "DROP TRIGGER IF EXISTS beneficiary_name_words ON beneficiary",
    "DROP FUNCTION IF EXISTS beneficiary_name_words()",
    "DROP TABLE IF EXISTS beneficiary_name_word",
)


def _run(statements):
    for statement in statements:
        op.execute(statement)


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        _run(PG_UP)
    else:
        _run(SQLITE_UP)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        _run(PG_DOWN)
    else:
        _run(SQLITE_DOWN)
