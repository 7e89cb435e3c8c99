// Preloaded into Windows plugin binaries run under Wine 8 only. Wine rejects libuv's TCP keep-alive
// options on a socket that is not connected yet ("connect UNKNOWN"), which undici (fetch) sets before
// connecting; real Windows accepts them. Applying keep-alive once connected keeps fetch working.
const net = require('node:net');
const setKeepAlive = net.Socket.prototype.setKeepAlive;
net.Socket.prototype.setKeepAlive = function deferredSetKeepAlive(enable, delay) {
  if (this.connecting || !this._handle) {
    this.once('connect', () => setKeepAlive.call(this, enable, delay));
    return this;
  }
  return setKeepAlive.call(this, enable, delay);
};
