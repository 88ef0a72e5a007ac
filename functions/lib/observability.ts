import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/** One logger per process; injectLambdaContext adds the request id to every line. */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'lookbook' });
export const metrics = new Metrics({ namespace: 'Lookbook', serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'lookbook' });
