/**
 * Child process of the bench: a local S3 (s3rver) of its own over the bench's S3 directory, for the cold-start
 * children to read the index from. S3 is a service apart from the functions that read it; served from the bench's
 * own process, whose heap holds the 44k index, the catalog and the datasets, each 51 MB download cost a major
 * garbage collection of that heap on the two cores the load itself runs on. Prints its URL, serves until killed or
 * until the bench's end closes its stdin.
 */
import { startLocalS3 } from '../../infra/local/s3-server.ts';

const s3 = await startLocalS3({ directory: process.argv[2] });
process.stdout.write(JSON.stringify({ url: s3.url }) + '\n');
// Ends with the bench: its stdin closes when the bench exits, however it exits.
process.stdin.on('end', () => process.exit(0)).resume();
