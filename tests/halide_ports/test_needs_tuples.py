"""Ports that wait for Tuples and Func.specialize (being added to halo on another branch); no
tests yet. When they land, port these with the `hl` fixture like the others:

- tuple_select.py: test_tuple_select (select of Tuples, several condition / value pairs).
- iroperator.py: test_mux_tuple (hl.mux over a Tuple-valued Func's values).
- basics.py: test_typed_funcs, its Tuple part (Func([Int(32), Float(64)], 3, "f"): types(),
  outputs() == 2, "it returns a Tuple" from type(), and the "(int32, float32) but is defined with
  values of type (int16, float64)" error); test_bool_conversion (f.compute_root().specialize(True)).
- division.py: test_division_tupled (hl.evaluate of a tuple of Exprs).
"""
