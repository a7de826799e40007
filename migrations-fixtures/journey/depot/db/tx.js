'use strict';
/** Several statements as one: a client from the pool, BEGIN … COMMIT (ROLLBACK on failure). */
async function inTransaction(pool, fn) {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

module.exports = { inTransaction };
