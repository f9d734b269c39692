export { postgresGlobalTeardown as default } from 'nest-pg-database/testing';
