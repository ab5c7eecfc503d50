/*
 * Reading the arrays that lib/playground.py writes into the playground's bundles (the digit
 * networks' playground-models.js and the Ising network's ising-model.js): base64 text holding
 * little-endian float32 numbers. Shared by playground.js and ising.js; load it before them.
 */
(function () {
  "use strict";

  /** Base64 text -> bytes. */
  function base64Bytes(text) {
    const raw = atob(text);
    const bytes = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  /** An exported array {shape, data: base64 of little-endian float32} -> Float32Array. */
  function decodeArray(entry) {
    const bytes = base64Bytes(entry.data);
    const view = new DataView(bytes.buffer);
    const out = new Float32Array(bytes.length / 4);
    for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(4 * i, true);
    return out;
  }

  window.symbookArrays = { base64Bytes: base64Bytes, decodeArray: decodeArray };
})();
