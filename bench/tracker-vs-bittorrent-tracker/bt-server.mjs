// bittorrent-tracker (webtorrent) as an in-memory HTTP tracker on 127.0.0.1: no UDP, no
// WebSocket, no stats page. Prints "listening on http://127.0.0.1:PORT" once bound, and stops on
// SIGTERM/SIGINT. Run by bench/tracker-vs-bittorrent-tracker.sh from the directory where
// bittorrent-tracker was installed (so that the import resolves there). It imports the package's
// `./server` entry point: the main one also loads the client, whose WebRTC module is native and
// is not built under `npm install --ignore-scripts`.
import Server from 'bittorrent-tracker/server'

const server = new Server({ http: true, udp: false, ws: false, stats: false, interval: 10 * 60 * 1000 })
server.on('error', err => { console.error('bt-server: error:', err.message); process.exit(1) })
server.on('warning', err => { console.error('bt-server: warning:', err.message) })
server.on('listening', () => {
  console.log(`listening on http://127.0.0.1:${server.http.address().port}`)
})
const stop = () => server.close(() => process.exit(0))
process.on('SIGTERM', stop)
process.on('SIGINT', stop)
server.listen(Number(process.argv[2] || 0), '127.0.0.1')
