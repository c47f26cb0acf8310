"""Unit tests of scripts/nab_score.py, NAB's scoring rules (run by ctest)."""
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "scripts"))
import nab_score as s  # noqa: E402


class ScorerTest(unittest.TestCase):
    def test_sigmoid_edges(self):
        self.assertAlmostEqual(s.sigmoid(0), 0.0)
        self.assertAlmostEqual(s.sigmoid(-1), 0.986614, places=6)
        self.assertEqual(s.sigmoid(3.0001), -1.0)

    def test_probation(self):
        self.assertEqual(s.probation_rows(100), 15)
        self.assertEqual(s.probation_rows(4032), 604)
        self.assertEqual(s.probation_rows(22695), 750)

    def test_null_is_zero_and_perfect_is_hundred(self):
        files = {"a": (1000, [(300, 399), (700, 709)], []),
                 "b": (500, [], []),
                 "c": (2000, [(1500, 1599)], [])}
        perfect = {k: (n, w, [a for a, _ in w]) for k, (n, w, _) in files.items()}
        for profile in s.PROFILES:
            self.assertEqual(s.score_corpus(files, profile), 0.0)
            self.assertEqual(s.score_corpus(perfect, profile), 100.0)

    def test_hand_computed_file(self):
        # 100 rows: probation 15. One window, rows 40..49 (width 10).
        # Row 10: in probation, ignored.
        # Row 20: before any window: -A_FP = -0.11.
        # Row 45: first in the window: S(-(49-45+1)/10) / S(-1)
        #         = 0.848283 / 0.986614 = 0.859793.
        # Row 47: a later detection in the same window: ignored.
        # Row 55: after the window: S((55-49)/9) * 0.11 = -0.931110 * 0.11 = -0.102422.
        # Total: -0.11 + 0.859793 - 0.102422 = 0.647371; normalised with one
        # window: 100 * (0.647371 + 1) / 2 = 82.37.
        raw, windows = s.score_file(100, [(40, 49)], [10, 20, 45, 47, 55], "standard")
        self.assertEqual(windows, 1)
        self.assertAlmostEqual(raw, 0.647371, places=5)
        self.assertAlmostEqual(s.normalise(raw, windows, "standard"), 82.3686, places=3)
        # reward_low_FN charges a miss twice; reward_low_FP a false positive twice.
        raw_fn, _ = s.score_file(100, [(40, 49)], [20], "reward_low_FN")
        self.assertAlmostEqual(raw_fn, -0.11 - 2.0)
        raw_fp, _ = s.score_file(100, [(40, 49)], [20], "reward_low_FP")
        self.assertAlmostEqual(raw_fp, -0.22 - 1.0)

    def test_late_detection_is_worth_less_and_window_in_probation_is_not_scored(self):
        early, _ = s.score_file(100, [(40, 49)], [40], "standard")
        late, _ = s.score_file(100, [(40, 49)], [49], "standard")
        self.assertAlmostEqual(early, 1.0)
        self.assertGreater(late, 0.0)
        self.assertAlmostEqual(late, 0.248242, places=5)  # S(-0.1) / S(-1)
        raw, windows = s.score_file(100, [(5, 10)], [8], "standard")
        self.assertEqual((raw, windows), (0.0, 0))

    def test_far_false_positive_costs_the_full_weight(self):
        raw, _ = s.score_file(1000, [(200, 209)], [900], "standard")
        self.assertAlmostEqual(raw, 1.0 * 0 - 1.0 - 0.11)


if __name__ == "__main__":
    unittest.main()
