"""Tests of lib.black_box_findings: the values the chapter on opening the black box glues, from
small synthetic results (no network is trained or loaded)."""

import numpy as np
import pytest

from lib import black_box_findings as findings

EDGE_ANGLES = np.arange(0, 360, 30)  # 12 directions, as in the chapter


def conv1_tuning(opposite_share: float) -> dict:
    """Three filters; filter 0 is tuned to lines, filter 1 answers edges facing 60 degrees and the
    opposite edge (240 degrees) with ``opposite_share`` of that."""
    bars = np.full((12, 3), 1.0, np.float32)
    bars[3, 0] = 8.0  # filter 0: 8 times its weakest response at one angle
    edges = np.full((12, 3), 0.5, np.float32)
    edges[:, 1] = 1.0
    edges[2, 1], edges[8, 1] = 4.0, 4.0 * opposite_share
    return {"bars": bars, "edges": edges,
            "orientation": (np.array([45.0, 100.0, 10.0]), np.array([0.6, 0.2, 0.1])),
            "direction": (np.array([0.0, 60.0, 180.0]), np.array([0.1, 0.7, 0.3]))}


def test_conv1_findings_read_the_chosen_filters_and_the_opposite_edge():
    found = findings.conv1_findings(conv1_tuning(0.0), 0, 1, EDGE_ANGLES, boundary=150.0, bar_words="rising diagonal")
    assert found["bb-bar-ratio"] == 8.0 and found["bb-bar-pref"] == 45.0 and found["bb-bar-osi"] == 0.6
    assert found["bb-bar-osi-median"] == 0.2 and found["bb-edge-dsi-median"] == 0.3
    assert found["bb-bar-dsi"] == 0.1 and found["bb-edge-dsi"] == 0.7 and found["bb-edge-dir"] == 60.0
    assert found["bb-edge-line-pref"] == 100.0 and found["bb-edge-boundary"] == 150.0
    assert found["bb-edge-best"] == 60 and type(found["bb-edge-best"]) is int
    assert found["bb-edge-opposite"] == "no response at all (its ReLU stays closed)"
    # Control: an opposite edge that does open the ReLU is given as a share of the best response.
    some = findings.conv1_findings(conv1_tuning(0.25), 0, 1, EDGE_ANGLES, boundary=150.0, bar_words="x")
    assert some["bb-edge-opposite"] == "25% of that response"


def test_exciting_findings_count_the_gallery_and_compare_its_ink():
    top_images = [np.zeros((6, 4, 4), np.uint8) for _ in range(3)]
    found = findings.exciting_findings(top_images, top_ink=40.0, ink=np.array([10, 30], np.int64), n_top=4)
    assert found == {"bb-top-ink-ratio": 2.0, "bb-top": 6, "bb-top-all": 18, "bb-class-filter-top": 4}


def test_null_levels_are_percentiles_without_nans():
    values = np.append(np.arange(101.0), np.nan)
    levels = findings.null_levels({"conv1 osi": values, "conv2 si": np.zeros(4)})
    assert levels == {"bb-null-conv1-osi": 95.0, "bb-null-conv2-si": 0.0}


def test_role_names_follow_which_indices_stand_clear():
    every = findings.role_names({"bar": True, "edge": True, "class": True, "class-osi": True}, 7, "near-vertical")
    assert every["bb-bar-name"] == "an oriented stroke detector"
    assert every["bb-edge-name"] == "an edge detector with a polarity"
    assert every["bb-class-name"] == 'a near-vertical stroke detector, and on average the "7" filter'
    assert every["bb-class-clear"].startswith("Both indices stand clear")
    assert every["bb-named"] == ("3 of the three chosen filters stand clear of chance: the stroke detector and "
                                 "the edge detector and the second-layer filter")
    # Control: nothing stands clear, so every filter is named by the rule that chose it.
    none = findings.role_names({"bar": False, "edge": False, "class": False, "class-osi": False}, 7, "near-vertical")
    assert none["bb-bar-name"] == "the most orientation-selective filter of its layer"
    assert none["bb-edge-name"] == "the filter most selective to the side of an edge"
    assert none["bb-class-name"] == "the most class-selective filter of the second layer"
    assert none["bb-class-clear"].startswith("Neither index")
    assert none["bb-named"] == "0 of the three chosen filters stand clear of chance"
    only_class = findings.role_names({"bar": False, "edge": True, "class": True, "class-osi": False}, 4, "x")
    assert only_class["bb-class-name"] == 'on average the "4" filter'
    assert only_class["bb-class-clear"].startswith("Its class selectivity stands clear")
    assert only_class["bb-named"].endswith(": the edge detector and the second-layer filter")


def chapter_like(null_top: float):
    """Tuning dicts, conv2 selectivity and untrained indices whose 95th percentile is near
    ``null_top``: the chosen filters' indices are 0.9 (bar OSI), 0.8 (edge DSI), 0.7 (class SI)
    and 0.6 (the class filter's OSI), each above its layer's median."""
    tuning = {"conv1": {"orientation": (np.zeros(4), np.array([0.1, 0.9, 0.2, 0.3])),
                        "direction": (np.zeros(4), np.array([0.8, 0.1, 0.2, 0.3]))},
              "conv2": {"orientation": (np.array([0.0, 30.0, 120.0]), np.array([0.2, 0.1, 0.6]))}}
    conv2 = (np.array([1, 3, 5]), np.array([0.1, 0.3, 0.7]))
    values = np.linspace(0, null_top / 0.95, 101)
    null = {key: values for key in ("conv1 osi", "conv1 dsi", "conv2 osi", "conv2 si")}
    return tuning, conv2, {"bar": 1, "edge": 0, "class": 2}, null


def test_role_findings_name_filters_only_above_chance():
    found = findings.role_findings(*chapter_like(0.5), class_words="falling diagonal")
    assert found["bb-class-filter"] == 2 and found["bb-class-filter-class"] == 5
    assert found["bb-class-filter-si"] == 0.7 and found["bb-class-filter-osi"] == 0.6
    assert found["bb-class-filter-pref"] == 120.0 and found["bb-class-filter-words"] == "falling diagonal"
    assert found["bb-conv2-si-median"] == 0.3 and found["bb-conv2-osi-median"] == 0.2
    assert found["bb-null-conv1-osi"] == pytest.approx(0.5)
    assert found["bb-bar-name"] == "an oriented stroke detector"
    assert found["bb-bar-clear"].startswith("It stands clear of both")
    assert found["bb-class-name"] == 'a falling diagonal stroke detector, and on average the "5" filter'
    assert found["bb-named"].startswith("3 of the three")
    # Control: untrained filters that reach 0.95 leave every chosen index inside chance.
    chance = findings.role_findings(*chapter_like(0.95), class_words="falling diagonal")
    assert chance["bb-bar-name"] == "the most orientation-selective filter of its layer"
    assert chance["bb-edge-clear"].startswith("It does not stand clear of chance")
    assert chance["bb-named"] == "0 of the three chosen filters stand clear of chance"


def positions(cnn_min: float, dense_min: float, size: int = 5):
    """Probabilities ``(size, size, 3)`` of class 1 that dip to the given minima in a corner."""
    p_cnn, p_dense = np.full((size, size, 3), 0.1, np.float32), np.full((size, size, 3), 0.1, np.float32)
    p_cnn[..., 1], p_dense[..., 1] = 0.8, 0.8
    p_cnn[0, 0, 1], p_dense[0, 0, 1] = cnn_min, dense_min
    p_dense[4, 4] = [0.05, 0.45, 0.5]  # one position where the dense network names class 2
    change = np.arange(size * size, dtype=np.float64).reshape(size, size) / 100
    return p_cnn, p_dense, change


def test_position_findings_read_the_maps_and_check_the_prose():
    p_cnn, p_dense, change = positions(0.6, 0.2)
    found = findings.position_findings(p_cnn, p_dense, change, label=1, receptive_field=5, shift=2)
    assert found["bb-pos-n"] == 25 and found["bb-pos-label"] == 1 and found["bb-pos-rf"] == 5
    assert found["bb-pos-cnn-min"] == pytest.approx(0.6) and found["bb-pos-dense-min"] == pytest.approx(0.2)
    assert found["bb-pos-change-max"] == 0.24 and found["bb-pos-change-2"] == change[0, 2]  # 2 up from (2, 2)
    assert found["bb-pos-cnn-right"] == 1.0 and found["bb-pos-dense-right"] == pytest.approx(24 / 25)
    with pytest.raises(ValueError, match="3 positions up"):  # off the map, not wrapped round to its bottom
        findings.position_findings(p_cnn, p_dense, change, label=1, receptive_field=5, shift=3)


def test_position_findings_raise_where_the_prose_would_be_wrong():
    p_cnn, p_dense, change = positions(0.6, 0.2)
    with pytest.raises(AssertionError, match="reach past the border"):  # the digit moves over 4 pixels
        findings.position_findings(p_cnn, p_dense, change, label=1, receptive_field=4, shift=2)
    p_cnn, p_dense, change = positions(0.2, 0.6)  # the dense network holds up better: the claim fails
    with pytest.raises(AssertionError, match="the dense network's falls to 45.0%"):
        findings.position_findings(p_cnn, p_dense, change, label=1, receptive_field=5, shift=2)


def test_knockout_findings_say_whether_the_preferred_class_suffers_most():
    before = np.full(10, 0.99)
    after = before.copy()
    after[3], after[5] = 0.90, 0.97
    found = findings.knockout_findings(before, after, preferred=3)
    assert found["bb-ko-most"] == "suffers most" and found["bb-ko-worst"] == 3
    assert found["bb-ko-before"] == 0.99 and found["bb-ko-after"] == 0.90
    assert found["bb-ko-worst-drop"] == pytest.approx(9.0) and found["bb-ko-mean-change"] == pytest.approx(-1.1)
    # Control: another class loses more, so the preferred one does not suffer most.
    assert findings.knockout_findings(before, after, preferred=5)["bb-ko-most"] == "is not the class that suffers most"
