"""`sqlgen verify`: apply generated SQL scripts to real, throwaway database servers."""
