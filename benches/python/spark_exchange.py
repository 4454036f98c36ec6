"""How many key rows cross Spark's shuffle for de-duplication, against every request's key.

usage: python3 benches/python/spark_exchange.py PATH [PARTITIONS]
Prints the key rows, the rows that cross, the redelivered files found, and the time of the
de-duplicated analysis on local[2].
"""
import os
import sys
import time

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from blastradius import spark as brs

path, n = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 8
os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
spark = (SparkSession.builder.master("local[2]").config("spark.ui.enabled", "false")
         .config("spark.sql.shuffle.partitions", "8").config("spark.driver.memory", "4g").getOrCreate())
spark.sparkContext.setLogLevel("ERROR")
parts = brs.partials(spark, path, partitions=n).persist()
every = parts.filter(F.col("kind") == "key").count()
redelivered, crossing = brs.exchange(parts)
cross, copies = crossing.count(), redelivered.count()
parts.unpersist()
t = time.time()
tl = brs.analyze(spark, path, partitions=n)
secs = time.time() - t
print(f"files: {len(brs.list_files(path))}; key rows: {every:,}; crossing the shuffle: {cross:,} "
      f"({cross / max(every, 1):.2%}); redelivered files: {copies}; analyze: {secs:.1f} s; "
      f"duplicates: {tl.input['duplicates']:,}")
spark.stop()
