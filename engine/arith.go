package engine

import (
	"errors"
	"math"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/conf"
)

// errOverflow is returned when integer arithmetic in an expression leaves
// the range of int. expr itself wraps around silently (expr-lang/expr#774),
// which could turn a true condition false.
var errOverflow = errors.New("integer overflow")

// checkedArith makes +, - and * on two ints fail on overflow instead of
// wrapping. Other operand types keep expr's own operators.
var checkedArith = []expr.Option{
	intOperator("+", "__add", func(a, b int) (int, bool) {
		c := a + b
		return c, (c > a) == (b > 0)
	}),
	intOperator("-", "__sub", func(a, b int) (int, bool) {
		c := a - b
		return c, (c < a) == (b > 0)
	}),
	intOperator("*", "__mul", func(a, b int) (int, bool) {
		if a == 0 || b == 0 {
			return 0, true
		}
		c := a * b
		ok := c/b == a && !(a == -1 && b == math.MinInt) && !(b == -1 && a == math.MinInt)
		return c, ok
	}),
}

// intOperator overloads op for two ints with a function that reports
// whether the result is exact.
func intOperator(op, name string, f func(a, b int) (int, bool)) expr.Option {
	fn := expr.Function(name, func(args ...any) (any, error) {
		a, aok := args[0].(int)
		b, bok := args[1].(int)
		if !aok || !bok {
			return nil, errors.New("integer operands expected")
		}
		c, ok := f(a, b)
		if !ok {
			return nil, errOverflow
		}
		return c, nil
	}, new(func(int, int) int))
	return func(c *conf.Config) {
		fn(c)
		expr.Operator(op, name)(c)
	}
}

// nilSafeEquality makes == and != on two strings accept nil. An output of
// a step that did not run is nil although typed string, and expr compiles
// == on two strings to an instruction that fails on nil ("interface
// conversion: interface {} is nil, not string"); with these, nil equals
// nil only, as == does on other types.
var nilSafeEquality = []expr.Option{
	stringOperator("==", "__eq", func(a, b any) bool { return a == b }),
	stringOperator("!=", "__ne", func(a, b any) bool { return a != b }),
}

// stringOperator overloads op for two strings, either of which may be nil.
func stringOperator(op, name string, f func(a, b any) bool) expr.Option {
	fn := expr.Function(name, func(args ...any) (any, error) {
		return f(args[0], args[1]), nil
	}, new(func(string, string) bool))
	return func(c *conf.Config) {
		fn(c)
		expr.Operator(op, name)(c)
	}
}
