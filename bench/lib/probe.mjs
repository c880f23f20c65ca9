// A few sequential requests through one scenario before any load: the statuses it answers with
// (a fast 415 would make a fine-looking but meaningless benchmark) and, under MONITOR, exactly
// how many commands the proxy sends to Redis per request.
import http from 'node:http';

function post(url, body, extra) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'content-length': Buffer.byteLength(body), ...extra } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode, text }));
    });
    req.once('error', reject);
    req.end(body);
  });
}

export async function probe(url, body, redis, count = 20, headers = undefined) {
  const statuses = {};
  let sample = null;
  const send = async () => {
    for (let i = 0; i < count; i++) {
      const r = await post(url, body, headers);
      statuses[r.status] = (statuses[r.status] ?? 0) + 1;
      sample = r;
    }
  };
  let redisCmdsPerReq = 0;
  if (redis) redisCmdsPerReq = (await redis.monitorClientCommands(send)).length / count;
  else await send();
  return { statuses, lastResponse: sample, redisCmdsPerReq };
}
