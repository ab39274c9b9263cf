-- 0032_organiser_role.sql for PostgreSQL, which changes the CHECK constraint in place.
ALTER TABLE accounts DROP CONSTRAINT accounts_role_check;
ALTER TABLE accounts ADD CONSTRAINT accounts_role_check
    CHECK (role IN ('resident', 'official', 'organiser', 'moderator', 'admin'));
