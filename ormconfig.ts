import { DataSource } from 'typeorm';
import { appDataSourceOptions } from './src/app.data-source';

/** The DataSource the TypeORM CLI reads: `typeorm migration:run -d dist/ormconfig.js`. */
export default new DataSource(appDataSourceOptions(process.env));
