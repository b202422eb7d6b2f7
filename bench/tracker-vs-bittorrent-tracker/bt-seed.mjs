// Seeds a running bittorrent-tracker over HTTP: PEERS peers spread evenly over TORRENTS torrents,
// each announcing `event=started&left=0` once (keep-alive, CONCURRENCY requests in flight). Then
// writes, one per line, the announce paths the wrk script cycles over (the same peers announcing
// again, without an event, which is the periodic re-announce of a seeder) and prints one line
//   SEED requests=N errors=E seconds=S p50_ms=X p99_ms=Y
//
//   node bt-seed.mjs URL PEERS TORRENTS CONCURRENCY OUT_FILE
import http from 'http'
import crypto from 'crypto'
import fs from 'fs'

const [url, peersArg, torrentsArg, concurrencyArg, outFile] = process.argv.slice(2)
const peers = Number(peersArg)
const torrents = Number(torrentsArg)
const concurrency = Number(concurrencyArg)
const { hostname, port } = new URL(url)
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency })

// Every byte percent-encoded, as torrent clients send a binary info hash.
const encode = bytes => Array.from(bytes, b => '%' + b.toString(16).padStart(2, '0').toUpperCase()).join('')
const infoHash = t => encode(crypto.createHash('sha1').update(`shoal-vs-bt torrent ${t}`).digest())
// 20 ASCII bytes, Azureus style: -BN0001- and 12 digits.
const peerId = p => encode(Buffer.from(`-BN0001-${String(p).padStart(12, '0')}`, 'latin1'))
// bittorrent-tracker keys HTTP peers by address, so every peer gets a port of its own.
const path = (p, event) => `/announce?info_hash=${infoHash(p % torrents)}&peer_id=${peerId(p)}` +
  `&port=${10000 + p}&uploaded=0&downloaded=0&left=0&numwant=50&compact=1${event ? `&event=${event}` : ''}`

function get (p) {
  return new Promise((resolve) => {
    const started = process.hrtime.bigint()
    const req = http.get({ hostname, port, path: path(p, 'started'), agent, timeout: 10000 }, res => {
      const chunks = []
      res.on('data', c => chunks.push(c))
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('latin1')
        const ok = res.statusCode === 200 && !body.includes('failure reason')
        if (!ok) console.error(`bt-seed: peer ${p}: HTTP ${res.statusCode} ${body.slice(0, 200)}`)
        resolve({ ok, ms: Number(process.hrtime.bigint() - started) / 1e6 })
      })
    })
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', err => { console.error(`bt-seed: peer ${p}: ${err.message}`); resolve({ ok: false, ms: 0 }) })
  })
}

const latencies = []
let errors = 0
let next = 0
const t0 = process.hrtime.bigint()
await Promise.all(Array.from({ length: concurrency }, async () => {
  while (next < peers) {
    const r = await get(next++)
    if (r.ok) latencies.push(r.ms); else errors++
  }
}))
const seconds = Number(process.hrtime.bigint() - t0) / 1e9
latencies.sort((a, b) => a - b)
const pct = q => latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] : 0
fs.writeFileSync(outFile, Array.from({ length: peers }, (_, p) => path(p)).join('\n') + '\n')
console.log(`SEED requests=${peers} errors=${errors} seconds=${seconds.toFixed(3)} p50_ms=${pct(0.5).toFixed(2)} p99_ms=${pct(0.99).toFixed(2)}`)
agent.destroy()
process.exit(errors ? 1 : 0)
