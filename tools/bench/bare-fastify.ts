import Fastify from 'fastify';
import { readFileSync } from 'node:fs';

/**
 * The read baseline: bare Fastify answering every GET /v1/products/:id with the body product-service
 * returned for the bench's product (BODY_FILE), with its content type: what the framework alone costs.
 */
const body = readFileSync(process.env.BODY_FILE!, 'utf8');
const contentType = process.env.CONTENT_TYPE ?? 'application/json; charset=utf-8';
const app = Fastify({ logger: false });
app.get('/v1/products/:id', async (_request, reply) => reply.type(contentType).send(body));
app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) }).then(
  () => console.log('listening'),
  (error: Error) => {
    console.error(error);
    process.exit(1);
  },
);
