/** The migrations wing: runs schema/'s migrations, and checks once per tracker that they have run. */
export { migrate, migrations } from './migrate.js';
export { schemaCheck } from './schema-version.js';
