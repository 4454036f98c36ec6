//! Frames across the Arrow C stream interface: exported to Python without copies, imported
//! from any object with `__arrow_c_stream__`.

use polars::prelude::*;
use polars_arrow::array::{Array, StructArray};
use polars_arrow::datatypes::{ArrowDataType, Field};
use polars_arrow::ffi::{export_iterator, ArrowArrayStream, ArrowArrayStreamReader};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyCapsuleMethods};

use crate::err;

/// An Arrow C stream owned by Rust until a consumer takes it.
#[repr(transparent)]
pub(crate) struct Stream(ArrowArrayStream);

// SAFETY: the stream's private data (an iterator over owned Arrow arrays) is `Send`; the raw
// pointers in the struct are only used by whoever holds the stream, one thread at a time.
unsafe impl Send for Stream {}

/// A frame on its way to Python: pass it to `polars.DataFrame(...)` or `pyarrow.table(...)`,
/// which import it through the Arrow `PyCapsule` interface, once.
#[pyclass(module = "blastradius._core")]
pub(crate) struct ArrowStream {
    stream: std::sync::Mutex<Option<Stream>>,
    rows: usize,
}

#[pymethods]
impl ArrowStream {
    /// The Arrow `PyCapsule` interface.
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(
        &mut self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        let _ = requested_schema;
        let taken = self.stream.get_mut().map(Option::take).ok().flatten();
        let stream = taken.ok_or_else(|| PyValueError::new_err("this stream was already consumed"))?;
        PyCapsule::new_with_value(py, stream, c"arrow_array_stream")
    }

    fn __len__(&self) -> usize {
        self.rows
    }
}

/// Exports a frame as a stream of record batches (struct arrays), one per chunk.
pub(crate) fn export(mut df: DataFrame, compat: CompatLevel) -> ArrowStream {
    let rows = df.height();
    df.align_chunks_par();
    let fields: Vec<Field> = df.columns().iter().map(|c| c.field().to_arrow(compat)).collect();
    let dtype = ArrowDataType::Struct(fields);
    let batches: Vec<PolarsResult<Box<dyn Array>>> = df
        .iter_chunks(compat, false)
        .map(|rb| {
            let len = rb.height();
            let arr: Box<dyn Array> = Box::new(StructArray::new(dtype.clone(), len, rb.into_arrays(), None));
            Ok(arr)
        })
        .collect();
    let field = Field::new("".into(), dtype, false);
    ArrowStream {
        stream: std::sync::Mutex::new(Some(Stream(export_iterator(Box::new(batches.into_iter()), field)))),
        rows,
    }
}

/// Imports a frame from any object with `__arrow_c_stream__` (a polars or pyarrow frame).
pub(crate) fn import(obj: &Bound<'_, PyAny>) -> PyResult<DataFrame> {
    let capsule = obj.call_method0("__arrow_c_stream__")?;
    let capsule = capsule.cast_into::<PyCapsule>().map_err(|_| PyValueError::new_err("not an Arrow stream"))?;
    let ptr = capsule.pointer_checked(Some(c"arrow_array_stream"))?.cast::<ArrowArrayStream>();
    // SAFETY: a capsule named "arrow_array_stream" holds a valid `ArrowArrayStream` (the Arrow
    // PyCapsule interface). It is moved out, and a released (empty) stream left in its place, as
    // the interface asks of a consumer, so the capsule's destructor releases nothing twice.
    let stream = unsafe { std::ptr::replace(ptr.as_ptr(), ArrowArrayStream::empty()) };
    // SAFETY: the stream was just moved out of the capsule and is owned here.
    let mut reader = unsafe { ArrowArrayStreamReader::try_new(Box::new(stream)) }.map_err(err)?;
    let mut out: Option<DataFrame> = None;
    // SAFETY: `next` follows the stream's own callbacks; the reader owns the stream.
    while let Some(array) = unsafe { reader.next() } {
        let array = array.map_err(err)?;
        let Some(sa) = array.as_any().downcast_ref::<StructArray>() else {
            return Err(PyValueError::new_err("an Arrow stream of record batches was expected"));
        };
        let df = DataFrame::try_from(sa.clone()).map_err(err)?;
        match &mut out {
            None => out = Some(df),
            Some(o) => {
                o.vstack_mut_owned(df).map_err(err)?;
            }
        }
    }
    out.ok_or_else(|| PyValueError::new_err("the frame has no batches"))
}
