/*
 * The Ising panel of the playground of "How neural networks see symmetry" (book/playground.md).
 *
 * A Metropolis simulation of the 2D Ising model on a 32 x 32 torus, and the network of the
 * chapter on the 2D Ising model saying whether the spins look ordered. No library: the weights
 * come from window.ISING_BUNDLE, written by lib/playground.py (`ising_panel_bundle`) while the
 * book builds; lib/playground.py holds the same forward pass in NumPy (`ising_forward`), and the
 * tests check that this file gives Keras' probabilities to 1e-4.
 *
 * Layout: a configuration is an Int8Array of L * L spins (-1 or +1), row by row; a feature map
 * is a Float64Array of L * L * C numbers, the C channels of a site side by side (Keras'
 * "channels_last"): site (i, j), channel c is at index (i * L + j) * C + c.
 */
(function () {
  "use strict";

  const T_C = 2 / Math.log(1 + Math.SQRT2); // Onsager's critical temperature, 2.269...
  const T_MIN = 1, T_MAX = 4, T_STEP = 0.05, T_PAGE = 0.5; // the slider and its keys
  const PREDICT_EVERY_MS = 250; // the network answers about four times a second while running

  // ---------------------------------------------------------------------------------------
  // 1. Random numbers: mulberry32, a 32-bit generator (Tommy Ettinger's), seeded by an integer
  // ---------------------------------------------------------------------------------------

  /** A function returning uniform numbers in [0, 1) (multiples of 2^-32), fixed by `seed`. */
  function mulberry32(seed) {
    let a = seed >>> 0;
    return function () {
      a = (a + 0x6D2B79F5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  // ---------------------------------------------------------------------------------------
  // 2. The simulation: checkerboard Metropolis on the torus (as lib/ising.py's metropolis_sweeps)
  // ---------------------------------------------------------------------------------------

  function orderedSpins(L) { return new Int8Array(L * L).fill(1); }

  function randomSpins(L, random) {
    const s = new Int8Array(L * L);
    for (let i = 0; i < s.length; i++) s[i] = random() < 0.5 ? -1 : 1;
    return s;
  }

  /** min(1, exp(-dE / T)) for dE = 2 s h, at index s*h + 4 (s*h in -4, -2, ..., 4). */
  function acceptance(temperature) {
    const table = new Float64Array(9);
    for (let sh = -4; sh <= 4; sh++) table[sh + 4] = Math.min(1, Math.exp(-2 * sh / temperature));
    return table;
  }

  /**
   * `sweeps` Metropolis sweeps of spins (L even), in place. One sweep visits the black sites
   * (row + column even), then the white ones, each row by row, and draws one uniform number per
   * site: flip spin s, whose four neighbours sum to h, with probability min(1, exp(-2 s h / T)).
   * Sites of one colour have no neighbour of their colour, so this is the same chain as
   * updating each colour all at once (the way lib/ising.py does it).
   */
  function metropolis(spins, L, temperature, sweeps, random) {
    const accept = acceptance(temperature);
    for (let n = 0; n < sweeps; n++)
      for (let colour = 0; colour < 2; colour++)
        for (let i = 0; i < L; i++) {
          const up = ((i + L - 1) % L) * L, down = ((i + 1) % L) * L, row = i * L;
          for (let j = (i + colour) % 2; j < L; j += 2) {
            const left = (j + L - 1) % L, right = (j + 1) % L;
            const s = spins[row + j];
            const h = spins[up + j] + spins[down + j] + spins[row + left] + spins[row + right];
            if (random() < accept[s * h + 4]) spins[row + j] = -s;
          }
        }
    return spins;
  }

  /** |m| = |mean spin| and the energy per spin e = -(1/L^2) sum_i s_i (s_right + s_down). */
  function observables(spins, L) {
    let m = 0, e = 0;
    for (let i = 0; i < L; i++)
      for (let j = 0; j < L; j++) {
        const s = spins[i * L + j];
        m += s;
        e -= s * (spins[i * L + (j + 1) % L] + spins[((i + 1) % L) * L + j]);
      }
    return { absM: Math.abs(m) / (L * L), energy: e / (L * L) };
  }

  // ---------------------------------------------------------------------------------------
  // 3. The network: lib.ising_models.symmetric_cnn, as exported by lib/playground.py
  // ---------------------------------------------------------------------------------------

  // The bundle's arrays are decoded as the digit playground's are: playground/arrays.js.
  if (!window.symbookArrays) throw new Error("load playground/arrays.js before playground/ising.js");
  const decodeArray = window.symbookArrays.decodeArray;

  function decodeModel(bundle) {
    return {
      label: bundle.label,
      layers: bundle.layers.map(function (layer) {
        const copy = Object.assign({}, layer);
        if (layer.kernel) { copy.kernelShape = layer.kernel.shape; copy.kernel = decodeArray(layer.kernel); }
        if (layer.bias) copy.bias = decodeArray(layer.bias);
        return copy;
      }),
    };
  }

  /**
   * Correlation on the torus, then tanh: x (L, L, cIn), kernel (k, k, cIn, cOut), no bias:
   *   y[i, j, f] = tanh( sum over (a, b, c) of x[(i + a - p) mod L, (j + b - p) mod L, c] * kernel[a, b, c, f] )
   * with p = (k - 1) / 2: Keras' circular padding followed by a "valid" convolution. For the
   * D4 layers the kernel is their effective kernel: the 8 turned and mirrored copies of each
   * filter side by side, so output channel s * F + f is filter f seen through group element s.
   */
  function circularConvTanh(x, L, layer) {
    const k = layer.kernelShape[0], cIn = layer.kernelShape[2], cOut = layer.kernelShape[3];
    const p = (k - 1) / 2, W = layer.kernel;
    const y = new Float64Array(L * L * cOut);
    for (let i = 0; i < L; i++)
      for (let j = 0; j < L; j++) {
        const o = (i * L + j) * cOut;
        for (let a = 0; a < k; a++) {
          const r = (i + a - p + L) % L;
          for (let b = 0; b < k; b++) {
            const q = (j + b - p + L) % L, src = (r * L + q) * cIn;
            for (let c = 0; c < cIn; c++) {
              const v = x[src + c], w0 = ((a * k + b) * cIn + c) * cOut;
              for (let f = 0; f < cOut; f++) y[o + f] += v * W[w0 + f];
            }
          }
        }
        for (let f = 0; f < cOut; f++) y[o + f] = Math.tanh(y[o + f]);
      }
    return y;
  }

  /** Probabilities [P(disordered), P(ordered)] of spins (an L x L array of -1/+1). */
  function predict(model, spins, L) {
    let x = Float64Array.from(spins), c = 1; // the pixels' Rescaling(2, -1) gives back these spins exactly
    for (const layer of model.layers) {
      switch (layer.type) {
        case "circular_conv":
          x = circularConvTanh(x, L, layer); c = layer.kernelShape[3]; break;
        case "group_mean": { // channel f = mean over the group elements s of channel s * F + f
          const F = c / layer.order, n = x.length / c, y = new Float64Array(n * F);
          for (let p = 0; p < n; p++)
            for (let f = 0; f < F; f++) {
              let total = 0;
              for (let s = 0; s < layer.order; s++) total += x[p * c + s * F + f];
              y[p * F + f] = total / layer.order;
            }
          x = y; c = F; break;
        }
        case "global_mean": {
          const n = x.length / c, y = new Float64Array(c);
          for (let p = 0; p < n; p++) for (let f = 0; f < c; f++) y[f] += x[p * c + f];
          for (let f = 0; f < c; f++) y[f] /= n;
          x = y; break;
        }
        case "abs":
          x = x.map(Math.abs); break;
        case "dense": {
          const nIn = layer.kernelShape[0], nOut = layer.kernelShape[1], y = Float64Array.from(layer.bias);
          for (let i = 0; i < nIn; i++) for (let j = 0; j < nOut; j++) y[j] += x[i] * layer.kernel[i * nOut + j];
          if (layer.activation === "relu") for (let j = 0; j < nOut; j++) y[j] = Math.max(0, y[j]);
          x = y; c = nOut; break;
        }
        case "softmax": {
          const m = Math.max.apply(null, x);
          const e = x.map(function (v) { return Math.exp(v - m); });
          const total = e.reduce(function (a, b) { return a + b; }, 0);
          x = e.map(function (v) { return v / total; }); break;
        }
        default: throw new Error("unknown layer type " + layer.type);
      }
    }
    return Array.from(x);
  }

  // ---------------------------------------------------------------------------------------
  // 4. The panel
  // ---------------------------------------------------------------------------------------

  const state = {
    L: 32, spins: null, temperature: 3.0, running: false, sweepsPerFrame: 4,
    random: null, sweeps: 0, probs: null, lastPredict: -Infinity,
  };
  let model = null, el = {};

  function clampT(t) { return Math.min(T_MAX, Math.max(T_MIN, Math.round(t * 1000) / 1000)); }

  function draw() {
    const L = state.L, ctx = el.lattice.getContext("2d"), s = el.lattice.width / L;
    ctx.fillStyle = "#ffffff"; // spin down
    ctx.fillRect(0, 0, el.lattice.width, el.lattice.height);
    ctx.fillStyle = "#1a1a1a"; // spin up
    for (let i = 0; i < L; i++)
      for (let j = 0; j < L; j++) if (state.spins[i * L + j] > 0) ctx.fillRect(j * s, i * s, s, s);
  }

  /** Run the network on the current spins and show its answer with |m| and e. */
  function measure() {
    const probs = predict(model, state.spins, state.L), obs = observables(state.spins, state.L);
    const p = probs[1];
    state.probs = probs;
    state.lastPredict = performance.now();
    el.bar.style.width = (100 * p).toFixed(1) + "%";
    el.pOrdered.textContent = (100 * p).toFixed(0) + "%";
    el.verdict.textContent = p >= 0.5 ? "ordered" : "disordered";
    el.absM.textContent = obs.absM.toFixed(3);
    el.energy.textContent = obs.energy.toFixed(3);
    el.sweeps.textContent = String(state.sweeps);
    el.lattice.setAttribute("aria-label", "Spins of the 32 by 32 lattice at T = " + state.temperature.toFixed(3) +
      " (black: up, white: down), |m| = " + obs.absM.toFixed(2) + ", after " + state.sweeps + " sweeps");
    return { probs: probs, absM: obs.absM, energy: obs.energy };
  }

  function setTemperature(t) {
    state.temperature = clampT(t);
    el.slider.value = String(state.temperature);
    el.slider.setAttribute("aria-valuetext", "T = " + state.temperature.toFixed(3));
    el.tText.textContent = state.temperature.toFixed(3) +
      (Math.abs(state.temperature - T_C) < 0.0006 ? " (critical, Tc)" : state.temperature < T_C ? " (below Tc)" : " (above Tc)");
  }

  function reset(kind) {
    const seed = Math.max(0, Math.floor(Number(el.seed.value) || 0));
    state.random = mulberry32(seed);
    state.spins = kind === "ordered" ? orderedSpins(state.L) : randomSpins(state.L, state.random);
    state.sweeps = 0;
    draw();
    measure();
  }

  function setRunning(on) {
    state.running = on;
    el.run.textContent = on ? "Pause" : "Start";
    el.run.setAttribute("aria-pressed", on ? "true" : "false");
    if (on) requestAnimationFrame(frame);
  }

  function frame(now) {
    if (!state.running) return;
    metropolis(state.spins, state.L, state.temperature, state.sweepsPerFrame, state.random);
    state.sweeps += state.sweepsPerFrame;
    draw();
    if (now - state.lastPredict >= PREDICT_EVERY_MS) measure();
    requestAnimationFrame(frame);
  }

  function start() {
    const root = document.getElementById("ising-panel");
    if (!root) return;
    const q = function (id) { return root.querySelector("#" + id); };
    el = {
      root: root, status: q("is-status"), lattice: q("is-lattice"), slider: q("is-temperature"),
      tText: q("is-temperature-text"), run: q("is-run"), seed: q("is-seed"), speed: q("is-speed"),
      bar: q("is-bar"), pOrdered: q("is-p-ordered"), verdict: q("is-verdict"), absM: q("is-abs-m"),
      energy: q("is-energy"), sweeps: q("is-sweeps"),
    };
    const bundle = window.ISING_BUNDLE;
    if (!bundle || bundle.format !== 1) {
      el.status.textContent = "The network could not be loaded (ising-model.js is missing or outdated): " +
        "rebuild the book.";
      el.status.classList.add("pg-error");
      return;
    }
    model = decodeModel(bundle);
    state.L = bundle.lattice;
    el.slider.min = String(T_MIN); el.slider.max = String(T_MAX);
    el.slider.addEventListener("input", function () { setTemperature(Number(el.slider.value)); });
    // Own keys, so that a step is exactly T_STEP whatever the slider's resolution.
    el.slider.addEventListener("keydown", function (ev) {
      const steps = { ArrowRight: T_STEP, ArrowUp: T_STEP, ArrowLeft: -T_STEP, ArrowDown: -T_STEP,
                      PageUp: T_PAGE, PageDown: -T_PAGE };
      if (ev.key in steps) setTemperature(state.temperature + steps[ev.key]);
      else if (ev.key === "Home") setTemperature(T_MIN);
      else if (ev.key === "End") setTemperature(T_MAX);
      else return;
      ev.preventDefault();
      if (!state.running) measure();
    });
    el.run.addEventListener("click", function () { setRunning(!state.running); });
    q("is-tc").addEventListener("click", function () { setTemperature(T_C); if (!state.running) measure(); });
    q("is-ordered").addEventListener("click", function () { reset("ordered"); });
    q("is-random").addEventListener("click", function () { reset("random"); });
    el.speed.addEventListener("change", function () { state.sweepsPerFrame = Number(el.speed.value); });
    state.sweepsPerFrame = Number(el.speed.value);
    setTemperature(state.temperature);
    reset("random");
    el.status.textContent = "Ready: " + bundle.label + (bundle.trained ? "" : " (" + bundle.note + ")") +
      ", on a " + state.L + " x " + state.L + " torus.";
    if (!bundle.trained) el.status.classList.add("pg-error");
    api.ready = true;
  }

  // What the tests (and a curious reader, in the browser's console) can call.
  const api = {
    ready: false, state: state, criticalTemperature: T_C,
    /** [P(disordered), P(ordered)] of an L x L array of spins -1/+1. */
    predict: function (spins, L) { return predict(model, Int8Array.from(spins), L); },
    /** Spins after `sweeps` sweeps at `temperature` from "ordered" or "random" spins, from `seed`. */
    simulate: function (seed, temperature, sweeps, from, L) {
      L = L || state.L;
      const random = mulberry32(seed);
      const spins = from === "ordered" ? orderedSpins(L) : randomSpins(L, random);
      return Array.from(metropolis(spins, L, temperature, sweeps, random));
    },
    observables: function (spins, L) { return observables(Int8Array.from(spins), L || state.L); },
    mulberry32: mulberry32, measure: function () { return measure(); }, setRunning: setRunning,
  };
  window.isingPanel = api;
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
