import sys

from lsa_keras.cli import main

sys.exit(main())
