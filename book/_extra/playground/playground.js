/*
 * The digit playground of "How neural networks see symmetry" (book/playground.md).
 *
 * Runs the book's trained networks in the browser, with no library: the networks are small,
 * and their forward pass is a few loops that you can read below. The weights come from
 * window.PLAYGROUND_BUNDLE, written by lib/playground.py while the book builds; lib/playground.py
 * also holds the same forward pass in NumPy (`forward`), lib/data.py the same rotation
 * (`rotate_image`), and the tests check that this file gives Keras' probabilities to 1e-4.
 *
 * Layout: one image is a flat array of H * W * C numbers, row by row, the C channels of a pixel
 * side by side (Keras' "channels_last"): pixel (i, j), channel c is at index (i * W + j) * C + c.
 */
(function () {
  "use strict";

  // ---------------------------------------------------------------------------------------
  // 1. Reading the weights
  // ---------------------------------------------------------------------------------------

  // The decoding of the bundle's arrays is shared with the Ising panel: playground/arrays.js.
  if (!window.symbookArrays) throw new Error("load playground/arrays.js before playground/playground.js");
  const base64Bytes = window.symbookArrays.base64Bytes;
  const decodeArray = window.symbookArrays.decodeArray;

  /** Decode every weight array of a model once, when the page loads. */
  function decodeModel(model) {
    const layers = model.layers.map(function (layer) {
      const copy = Object.assign({}, layer);
      if (layer.kernel) {
        copy.kernelShape = layer.kernel.shape;
        copy.kernel = decodeArray(layer.kernel);
        copy.bias = decodeArray(layer.bias);
      }
      return copy;
    });
    return { label: model.label, accuracy: model.accuracy, inputShape: model.input_shape, layers: layers };
  }

  // ---------------------------------------------------------------------------------------
  // 2. The forward pass: one function per kind of layer
  // ---------------------------------------------------------------------------------------
  // A tensor is {h, w, c, data}: h * w positions with c channels (a vector has h = w = 1).

  /** Output size and padding before the image, as Keras computes them for padding "same". */
  function samePadding(size, k, stride) {
    const out = Math.ceil(size / stride);
    const total = Math.max((out - 1) * stride + k - size, 0);
    return { out: out, before: Math.floor(total / 2) };
  }

  /**
   * Convolution (a cross-correlation, as in Keras' Conv2D), kernel of shape (k, k, cIn, cOut):
   *   y[i, j, f] = bias[f] + sum over (a, b, c) of x[s*i + a - top, s*j + b - left, c] * kernel[a, b, c, f]
   * where positions outside the image count as zero.
   */
  function conv(x, layer) {
    const k = layer.kernelShape[0], cIn = layer.kernelShape[2], cOut = layer.kernelShape[3];
    const s = layer.strides;
    let oh, ow, top = 0, left = 0;
    if (layer.padding === "same") {
      const ph = samePadding(x.h, k, s), pw = samePadding(x.w, k, s);
      oh = ph.out; ow = pw.out; top = ph.before; left = pw.before;
    } else {
      oh = Math.floor((x.h - k) / s) + 1; ow = Math.floor((x.w - k) / s) + 1;
    }
    const y = new Float64Array(oh * ow * cOut);
    const W = layer.kernel, input = x.data;
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        const o = (i * ow + j) * cOut;
        for (let f = 0; f < cOut; f++) y[o + f] = layer.bias[f];
        for (let a = 0; a < k; a++) {
          const r = s * i + a - top;
          if (r < 0 || r >= x.h) continue;
          for (let b = 0; b < k; b++) {
            const q = s * j + b - left;
            if (q < 0 || q >= x.w) continue;
            const p = (r * x.w + q) * cIn;
            for (let c = 0; c < cIn; c++) {
              const v = input[p + c];
              if (v === 0) continue; // after a ReLU most inputs are zero: skip them
              const w0 = ((a * k + b) * cIn + c) * cOut;
              for (let f = 0; f < cOut; f++) y[o + f] += v * W[w0 + f];
            }
          }
        }
      }
    }
    return { h: oh, w: ow, c: cOut, data: y };
  }

  /** Dense layer on the flattened input, kernel of shape (nIn, nOut): y = x W + b. */
  function dense(x, layer) {
    const nIn = layer.kernelShape[0], nOut = layer.kernelShape[1];
    const y = Float64Array.from(layer.bias);
    const W = layer.kernel;
    for (let i = 0; i < nIn; i++) {
      const v = x.data[i];
      if (v === 0) continue;
      const row = i * nOut;
      for (let j = 0; j < nOut; j++) y[j] += v * W[row + j];
    }
    return { h: 1, w: 1, c: nOut, data: y };
  }

  /** Max pooling with a size x size window moved by `strides` ("valid": no padding). */
  function maxPool(x, layer) {
    const p = layer.size, s = layer.strides;
    const oh = Math.floor((x.h - p) / s) + 1, ow = Math.floor((x.w - p) / s) + 1;
    const y = new Float64Array(oh * ow * x.c).fill(-Infinity);
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let a = 0; a < p; a++)
          for (let b = 0; b < p; b++) {
            const src = ((s * i + a) * x.w + (s * j + b)) * x.c, dst = (i * ow + j) * x.c;
            for (let c = 0; c < x.c; c++) y[dst + c] = Math.max(y[dst + c], x.data[src + c]);
          }
    return { h: oh, w: ow, c: x.c, data: y };
  }

  /** Maximum or mean of every channel over all positions (global pooling). */
  function globalPool(x, mode) {
    const y = new Float64Array(x.c).fill(mode === "max" ? -Infinity : 0);
    const n = x.h * x.w;
    for (let p = 0; p < n; p++)
      for (let c = 0; c < x.c; c++) {
        const v = x.data[p * x.c + c];
        y[c] = mode === "max" ? Math.max(y[c], v) : y[c] + v;
      }
    if (mode === "mean") for (let c = 0; c < x.c; c++) y[c] /= n;
    return { h: 1, w: 1, c: x.c, data: y };
  }

  /**
   * Pooling over the four rotations: the 4F channels of a position are 4 blocks of F (block r
   * = the filters turned by r quarter turns); output channel f is the max (or mean) of the
   * four channels r * F + f.
   */
  function rotationPool(x, mode) {
    const F = x.c / 4, n = x.h * x.w;
    const y = new Float64Array(n * F);
    for (let p = 0; p < n; p++)
      for (let f = 0; f < F; f++) {
        let m = mode === "max" ? -Infinity : 0;
        for (let r = 0; r < 4; r++) {
          const v = x.data[p * x.c + r * F + f];
          m = mode === "max" ? Math.max(m, v) : m + v;
        }
        y[p * F + f] = mode === "max" ? m : m / 4;
      }
    return { h: x.h, w: x.w, c: F, data: y };
  }

  function relu(x) {
    for (let i = 0; i < x.data.length; i++) if (x.data[i] < 0) x.data[i] = 0;
    return x;
  }

  /** Probabilities p_i = exp(z_i - max z) / sum_j exp(z_j - max z). */
  function softmax(x) {
    const z = x.data;
    const m = Math.max.apply(null, z);
    let total = 0;
    const e = z.map(function (v) { const t = Math.exp(v - m); total += t; return t; });
    return { h: 1, w: 1, c: x.c, data: e.map(function (v) { return v / total; }) };
  }

  /** Class probabilities of one image (a Float32Array of H * W numbers in [0, 1]). */
  function predict(model, pixels) {
    let x = { h: model.inputShape[0], w: model.inputShape[1], c: 1, data: pixels };
    for (const layer of model.layers) {
      switch (layer.type) {
        case "conv": x = conv(x, layer); break;
        case "dense": x = dense(x, layer); break;
        case "maxpool": x = maxPool(x, layer); break;
        case "global_max": x = globalPool(x, "max"); break;
        case "global_mean": x = globalPool(x, "mean"); break;
        case "rotation_pool": x = rotationPool(x, layer.mode); break;
        case "relu": x = relu(x); break;
        case "softmax": x = softmax(x); break;
        default: throw new Error("unknown layer type " + layer.type);
      }
      if (layer.activation === "relu") x = relu(x);
    }
    return Array.from(x.data);
  }

  // ---------------------------------------------------------------------------------------
  // 3. Moving and turning a digit (the same arithmetic as lib/playground.py)
  // ---------------------------------------------------------------------------------------

  /** cos and sin of an angle in degrees, exact at multiples of 90 degrees. */
  function cosSin(degrees) {
    const d = ((degrees % 360) + 360) % 360;
    if (d === 0) return [1, 0];
    if (d === 90) return [0, 1];
    if (d === 180) return [-1, 0];
    if (d === 270) return [0, -1];
    const t = d * Math.PI / 180;
    return [Math.cos(t), Math.sin(t)];
  }

  /**
   * Turn an n x n image counter-clockwise by `degrees` about its centre c = (n - 1) / 2.
   * Output pixel (i, j), at x = j - c, y = c - i (y upwards), reads the input at the point
   * that the rotation carries onto it, column c + cos*x + sin*y and row c + sin*x - cos*y,
   * interpolated bilinearly between the four nearest pixels (zero outside the image).
   */
  function rotate(image, n, degrees) {
    const cs = cosSin(degrees), cos = cs[0], sin = cs[1], c = (n - 1) / 2;
    const at = function (r, q) { return r >= 0 && r < n && q >= 0 && q < n ? image[r * n + q] : 0; };
    const out = new Float32Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        const x = j - c, y = c - i;
        const col = c + (cos * x + sin * y), row = c + (sin * x - cos * y);
        const r0 = Math.floor(row), c0 = Math.floor(col), fr = row - r0, fc = col - c0;
        const top = at(r0, c0) * (1 - fc) + at(r0, c0 + 1) * fc;
        const bottom = at(r0 + 1, c0) * (1 - fc) + at(r0 + 1, c0 + 1) * fc;
        out[i * n + j] = top * (1 - fr) + bottom * fr;
      }
    return out;
  }

  /** Paste an n x n image with its top-left corner at (row, col) on an empty size x size canvas. */
  function place(image, n, row, col, size) {
    const out = new Float32Array(size * size);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) out[(row + i) * size + (col + j)] = image[i * n + j];
    return out;
  }

  // ---------------------------------------------------------------------------------------
  // 4. The page
  // ---------------------------------------------------------------------------------------

  const N = 28, CANVAS = 50;
  const TRANSLATION = ["dense", "cnn"];
  const ROTATION = ["dense100", "dense400", "rotated", "p4"];
  const DRAWN = "drawn"; // the digit menu's entry for the reader's own drawing
  // A change of every probability below half of the last digit shown (0.01 points): the
  // networks invariant by construction show it at the quarter turns (float32 rounding).
  const BELOW = "< 0.005";

  const state = {
    digit: new Float32Array(N * N), // the digit, pixels in [0, 1]
    row: 11, col: 11,                // top-left corner on the 50 x 50 canvas
    angle: 0,                        // degrees, counter-clockwise
    cursor: [14, 14],                // keyboard drawing cursor on the pad
    upright: null,                   // rotation panel: probabilities at 0 degrees
  };
  let models = {}, digits = null, el = {};

  /** Put an image on the pad; `pick` is its menu entry (a test digit, or DRAWN). */
  function setDigit(pixels, pick) {
    state.digit = Float32Array.from(pixels);
    state.upright = null;
    el.pick.value = pick;
    update();
  }

  /** The pad was drawn on: the menu says so, and the upright answers are computed anew. */
  function drawn() {
    el.pick.value = DRAWN;
    state.upright = null;
  }

  function testDigit(index) {
    const d = new Float32Array(N * N);
    for (let i = 0; i < N * N; i++) d[i] = digits.pixels[index * N * N + i] / 255;
    return d;
  }

  /** Draw an image (values in [0, 1], ink dark on light) on a canvas element, scaled up. */
  function paint(canvas, image, n, extra) {
    const small = document.createElement("canvas");
    small.width = n; small.height = n;
    const ctx = small.getContext("2d"), img = ctx.createImageData(n, n);
    for (let i = 0; i < n * n; i++) {
      const v = 255 - Math.round(255 * Math.min(1, Math.max(0, image[i])));
      img.data[4 * i] = v; img.data[4 * i + 1] = v; img.data[4 * i + 2] = v; img.data[4 * i + 3] = 255;
    }
    ctx.putImageData(img, 0, 0);
    const big = canvas.getContext("2d");
    big.imageSmoothingEnabled = false;
    big.drawImage(small, 0, 0, canvas.width, canvas.height);
    if (extra) extra(big, canvas.width / n);
  }

  function fmt(p) { return (100 * p).toFixed(1) + "%"; }
  function argmax(p) { return p.indexOf(Math.max.apply(null, p)); }

  /** Fill a results table: one row per model, one cell per class, the answer, and `extra`. */
  function fillTable(tbody, keys, probs, extra) {
    keys.forEach(function (key) {
      const row = tbody.querySelector('tr[data-model="' + key + '"]');
      const p = probs[key], best = argmax(p);
      for (let d = 0; d < 10; d++) {
        const cell = row.querySelector('td[data-class="' + d + '"]');
        cell.querySelector(".pg-num").textContent = (100 * p[d]).toFixed(1);
        cell.querySelector(".pg-bar").style.width = (100 * p[d]).toFixed(1) + "%";
        cell.classList.toggle("pg-best", d === best);
      }
      row.querySelector(".pg-answer").textContent = best + " (" + fmt(p[best]) + ")";
      if (extra) row.querySelector(".pg-change").textContent = extra(key, p);
    });
  }

  /** Probabilities of all six networks for the current digit, position and angle. */
  function predictAll() {
    const canvas = place(state.digit, N, state.row, state.col, CANVAS);
    const turned = rotate(state.digit, N, state.angle);
    const probs = { canvas: canvas, turned: turned };
    TRANSLATION.forEach(function (k) { probs[k] = predict(models[k], canvas); });
    ROTATION.forEach(function (k) { probs[k] = predict(models[k], turned); });
    return probs;
  }

  function update() {
    const probs = predictAll();
    if (!state.upright) {
      state.upright = {};
      ROTATION.forEach(function (k) { state.upright[k] = predict(models[k], state.digit); });
    }
    paint(el.pad, state.digit, N, function (ctx, s) {
      ctx.strokeStyle = "#888"; ctx.setLineDash([3, 3]);
      ctx.strokeRect(4 * s, 4 * s, 20 * s, 20 * s); // MNIST digits fill the central 20 x 20
      if (el.pad === document.activeElement) {
        ctx.setLineDash([]); ctx.strokeStyle = "#d6336c"; ctx.lineWidth = 2;
        ctx.strokeRect(state.cursor[1] * s, state.cursor[0] * s, s, s);
      }
    });
    paint(el.canvas, probs.canvas, CANVAS, function (ctx, s) {
      ctx.strokeStyle = "#3a7bd5"; ctx.setLineDash([4, 3]); ctx.lineWidth = 1;
      ctx.strokeRect(state.col * s + 0.5, state.row * s + 0.5, N * s - 1, N * s - 1);
    });
    paint(el.turned, probs.turned, N);
    el.position.textContent = "row " + state.row + ", column " + state.col +
      (state.row === 11 && state.col === 11 ? " (centred)" : "");
    el.angleText.textContent = state.angle + "°";
    el.angle.value = String(state.angle);
    el.angle.setAttribute("aria-valuetext", state.angle + " degrees");
    el.turned.setAttribute("aria-valuenow", String(state.angle));
    el.turned.setAttribute("aria-valuetext", state.angle + " degrees counter-clockwise");
    fillTable(el.transBody, TRANSLATION, probs);
    fillTable(el.rotBody, ROTATION, probs, function (key, p) {
      let change = 0;
      for (let d = 0; d < 10; d++) change = Math.max(change, Math.abs(p[d] - state.upright[key][d]));
      return change < 5e-5 ? BELOW : (100 * change).toFixed(2);
    });
    el.transSummary.textContent = "Dense network: " + argmax(probs.dense) + ", CNN: " + argmax(probs.cnn) + ".";
    el.rotSummary.textContent = ROTATION.map(function (k) { return models[k].label + ": " + argmax(probs[k]); })
      .join(", ") + ".";
    // Beside the pad, so that the answers stay in view while the reader draws.
    el.padAnswers.forEach(function (dd) {
      const p = probs[dd.dataset.model];
      dd.textContent = argmax(p) + " (" + fmt(p[argmax(p)]) + ")";
    });
    let ink = 0;
    for (let i = 0; i < state.digit.length; i++) ink += state.digit[i];
    el.emptyNote.hidden = ink > 0;
    return probs;
  }

  // --- Drawing on the pad ---------------------------------------------------------------

  /** Ink a soft round brush of radius about 1.4 pixels at pad position (r, q) (fractional). */
  function brush(r, q, erase) {
    for (let i = Math.floor(r - 2); i <= Math.ceil(r + 2); i++)
      for (let j = Math.floor(q - 2); j <= Math.ceil(q + 2); j++) {
        if (i < 0 || i >= N || j < 0 || j >= N) continue;
        const d = Math.hypot(i - r, j - q), v = Math.min(1, Math.max(0, 1.4 - d));
        const k = i * N + j;
        state.digit[k] = erase ? Math.min(state.digit[k], 1 - v) : Math.max(state.digit[k], v);
      }
  }

  function setupPad() {
    let last = null, pending = false;
    const schedule = function () {
      if (pending) return;
      pending = true;
      requestAnimationFrame(function () { pending = false; drawn(); update(); });
    };
    const at = function (ev) {
      const box = el.pad.getBoundingClientRect();
      return [(ev.clientY - box.top) / box.height * N - 0.5, (ev.clientX - box.left) / box.width * N - 0.5];
    };
    el.pad.addEventListener("pointerdown", function (ev) {
      el.pad.setPointerCapture(ev.pointerId);
      last = at(ev);
      brush(last[0], last[1], ev.button === 2);
      schedule();
      ev.preventDefault();
    });
    el.pad.addEventListener("pointermove", function (ev) {
      if (!last) return;
      const p = at(ev), steps = Math.ceil(Math.hypot(p[0] - last[0], p[1] - last[1]) * 3) + 1;
      for (let t = 1; t <= steps; t++)
        brush(last[0] + (p[0] - last[0]) * t / steps, last[1] + (p[1] - last[1]) * t / steps, ev.buttons === 2);
      last = p;
      schedule();
    });
    const stop = function () { last = null; };
    el.pad.addEventListener("pointerup", stop);
    el.pad.addEventListener("pointercancel", stop);
    el.pad.addEventListener("contextmenu", function (ev) { ev.preventDefault(); });
    el.pad.addEventListener("keydown", function (ev) {
      const moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
      if (moves[ev.key]) {
        state.cursor[0] = Math.min(N - 1, Math.max(0, state.cursor[0] + moves[ev.key][0]));
        state.cursor[1] = Math.min(N - 1, Math.max(0, state.cursor[1] + moves[ev.key][1]));
        if (ev.shiftKey) brush(state.cursor[0], state.cursor[1], false); // Shift + arrow: draw a line
      } else if (ev.key === " " || ev.key === "Enter") {
        brush(state.cursor[0], state.cursor[1], false);
      } else if (ev.key === "Delete" || ev.key === "Backspace") {
        brush(state.cursor[0], state.cursor[1], true);
      } else {
        return;
      }
      ev.preventDefault();
      drawn();
      update();
      el.cursorText.textContent = "Cursor at row " + state.cursor[0] + ", column " + state.cursor[1] + ".";
    });
    el.pad.addEventListener("focus", update);
    el.pad.addEventListener("blur", update);
  }

  // --- Moving: drag on the canvas, or arrow keys -----------------------------------------

  function moveTo(row, col) {
    state.row = Math.min(CANVAS - N, Math.max(0, row));
    state.col = Math.min(CANVAS - N, Math.max(0, col));
    update();
  }

  function setupCanvas() {
    let grab = null;
    const at = function (ev) {
      const box = el.canvas.getBoundingClientRect();
      return [(ev.clientY - box.top) / box.height * CANVAS, (ev.clientX - box.left) / box.width * CANVAS];
    };
    el.canvas.addEventListener("pointerdown", function (ev) {
      const p = at(ev);
      el.canvas.setPointerCapture(ev.pointerId);
      // Grab the digit where it was touched (or by its centre if touched outside it).
      const inside = p[0] >= state.row && p[0] < state.row + N && p[1] >= state.col && p[1] < state.col + N;
      grab = inside ? [p[0] - state.row, p[1] - state.col] : [N / 2, N / 2];
      moveTo(Math.round(p[0] - grab[0]), Math.round(p[1] - grab[1]));
      ev.preventDefault();
    });
    el.canvas.addEventListener("pointermove", function (ev) {
      if (!grab) return;
      const p = at(ev);
      const row = Math.round(p[0] - grab[0]), col = Math.round(p[1] - grab[1]);
      if (row !== state.row || col !== state.col) moveTo(row, col);
    });
    el.canvas.addEventListener("pointerup", function () { grab = null; });
    el.canvas.addEventListener("pointercancel", function () { grab = null; });
    el.canvas.addEventListener("keydown", function (ev) {
      const step = ev.shiftKey ? 5 : 1;
      const moves = { ArrowUp: [-step, 0], ArrowDown: [step, 0], ArrowLeft: [0, -step], ArrowRight: [0, step] };
      if (moves[ev.key]) moveTo(state.row + moves[ev.key][0], state.col + moves[ev.key][1]);
      else if (ev.key === "Home" || ev.key === "c") moveTo(11, 11);
      else return;
      ev.preventDefault();
    });
  }

  // --- Turning: slider, buttons, keys ----------------------------------------------------

  function turnTo(angle) {
    state.angle = ((Math.round(angle) % 360) + 360) % 360;
    update();
  }

  /**
   * The keys that turn the digit, the same on the image and on the slider: Right and Up add
   * 5 degrees (Shift: 1), counter-clockwise, as moving the slider to the right does; Left and
   * Down subtract them; Page Up and Page Down turn by a quarter turn; Home sets it upright.
   */
  function turnKey(ev) {
    const step = ev.shiftKey ? 1 : 5;
    const turns = { ArrowRight: step, ArrowUp: step, ArrowLeft: -step, ArrowDown: -step, PageUp: 90, PageDown: -90 };
    if (ev.key in turns) turnTo(state.angle + turns[ev.key]);
    else if (ev.key === "Home" || ev.key === "0") turnTo(0);
    else return;
    ev.preventDefault(); // the slider's own steps (1 degree, a tenth of its range) would differ
  }

  function setupRotation() {
    el.angle.addEventListener("input", function () { turnTo(Number(el.angle.value)); });
    el.root.querySelector("#pg-left").addEventListener("click", function () { turnTo(state.angle + 90); });
    el.root.querySelector("#pg-right").addEventListener("click", function () { turnTo(state.angle - 90); });
    el.turned.addEventListener("keydown", turnKey);
    el.angle.addEventListener("keydown", turnKey);
  }

  // --- Start -----------------------------------------------------------------------------

  function start() {
    const root = document.getElementById("playground");
    if (!root) return;
    const bundle = window.PLAYGROUND_BUNDLE;
    el = {
      root: root,
      pad: root.querySelector("#pg-pad"), canvas: root.querySelector("#pg-canvas"),
      turned: root.querySelector("#pg-turned"), angle: root.querySelector("#pg-angle"),
      angleText: root.querySelector("#pg-angle-text"), position: root.querySelector("#pg-position"),
      pick: root.querySelector("#pg-pick"), cursorText: root.querySelector("#pg-cursor"),
      transBody: root.querySelector("#pg-trans tbody"), rotBody: root.querySelector("#pg-rot tbody"),
      transSummary: root.querySelector("#pg-trans-summary"), rotSummary: root.querySelector("#pg-rot-summary"),
      status: root.querySelector("#pg-status"), emptyNote: root.querySelector("#pg-empty"),
      padAnswers: Array.from(root.querySelectorAll("#pg-pad-answers dd")),
    };
    if (!bundle || bundle.format !== 1) {
      el.status.textContent = "The networks could not be loaded (playground-models.js is missing or outdated): " +
        "rebuild the book.";
      el.status.classList.add("pg-error");
      return;
    }
    Object.keys(bundle.models).forEach(function (k) { models[k] = decodeModel(bundle.models[k]); });
    const bytes = base64Bytes(bundle.digits.pixels);
    digits = { labels: bundle.digits.labels, pixels: bytes };
    const mine = document.createElement("option");
    mine.value = DRAWN;
    mine.textContent = "your drawing";
    mine.disabled = true; // chosen by drawing, not from the menu
    el.pick.appendChild(mine);
    digits.labels.forEach(function (label, i) {
      const option = document.createElement("option");
      option.value = String(i);
      option.textContent = "test digit " + (i + 1) + " (a " + label + ")";
      el.pick.appendChild(option);
    });
    // Column headers and rows of the two tables.
    [[el.transBody, TRANSLATION], [el.rotBody, ROTATION]].forEach(function (pair) {
      pair[1].forEach(function (key) {
        const tr = document.createElement("tr");
        tr.dataset.model = key;
        const th = document.createElement("th");
        th.scope = "row";
        th.textContent = models[key].label;
        tr.appendChild(th);
        for (let d = 0; d < 10; d++) {
          const td = document.createElement("td");
          td.dataset.class = String(d);
          td.innerHTML = '<span class="pg-num"></span><span class="pg-bar-track" aria-hidden="true">' +
            '<span class="pg-bar"></span></span>';
          tr.appendChild(td);
        }
        const answer = document.createElement("td");
        answer.className = "pg-answer";
        tr.appendChild(answer);
        if (pair[0] === el.rotBody) {
          const change = document.createElement("td");
          change.className = "pg-change";
          tr.appendChild(change);
        }
        pair[0].appendChild(tr);
      });
    });
    el.pick.addEventListener("change", function () {
      if (el.pick.value !== DRAWN) setDigit(testDigit(Number(el.pick.value)), el.pick.value);
    });
    root.querySelector("#pg-clear").addEventListener("click", function () { setDigit(new Float32Array(N * N), DRAWN); });
    setupPad();
    setupCanvas();
    setupRotation();
    setDigit(testDigit(0), "0");
    el.status.textContent = "Ready: six networks loaded.";
    api.ready = true;
    api.readyAt = performance.now();
  }

  // What the tests (and a curious reader, in the browser's console) can call.
  const api = {
    ready: false, readyAt: null, state: state,
    predict: function (key, pixels) { return predict(models[key], Float32Array.from(pixels)); },
    rotate: function (pixels, degrees) { return Array.from(rotate(Float32Array.from(pixels), N, degrees)); },
    place: function (pixels, row, col) { return Array.from(place(Float32Array.from(pixels), N, row, col, CANVAS)); },
    predictAll: predictAll, update: update,
    models: function () { return models; },
  };
  window.playground = api;
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
