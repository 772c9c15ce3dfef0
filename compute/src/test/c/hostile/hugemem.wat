;; hugemem: a WASI command that declares 4 GiB of initial linear memory (65536 pages of 64 KiB).
;; The sandbox must refuse to instantiate it rather than try to allocate the memory.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 65536)
  (func (export "_start")
    (i32.store (i32.const 0) (i32.const 42))
    (call $proc_exit (i32.const 0))))
