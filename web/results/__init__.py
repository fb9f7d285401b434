"""The periodic review (sơ kết / tổng kết) in the browser: charts, tables, drill-down, exports."""
