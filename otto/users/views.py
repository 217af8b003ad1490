"""placeholder"""
from flask_smorest import Blueprint

blp = Blueprint("users", __name__)
