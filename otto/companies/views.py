"""placeholder"""
from flask_smorest import Blueprint

blp = Blueprint("companies", __name__)
